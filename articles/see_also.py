"""The "شاهد أيضا" (see also) block: editors' picks first, then the newest related articles.

Its cost must not grow with the archive. Every query here is an index range read with a LIMIT:
the picks by article, the same-category articles through ``article_category_idx``
(category, status, published_at), each tag's articles through ``article_tag_newest_idx``
(tag, article_published_at). The candidates (at most ``limit`` per source) are merged in
Python, newest first. At most ``MAX_TAGS_CONSIDERED`` tags are looked at, so the block costs
at most 5 + MAX_TAGS_CONSIDERED queries whatever the size of the archive.
"""

from django.conf import settings
from django.utils import timezone

from .models import Article, ArticleTag

MAX_TAGS_CONSIDERED = 3


def _visible(language):
    return Article.objects.published().in_language(language)


def _language_filter(language, prefix=""):
    """The ``in_language()`` rule as keyword filters, for queries that start from another model."""
    if language == settings.LANGUAGE_CODE:
        return {}, {}
    return {f"{prefix}title_{language}__isnull": False}, {f"{prefix}title_{language}": ""}


def see_also(article, language, limit=None):
    """The articles to show under ``article`` for a reader in ``language``, in display order.

    Editors' picks that readers may see come first, in the editor's order; the rest of the
    ``limit`` is filled with published articles in ``language`` that share the category or a
    tag, newest first. Never the article itself, a draft, a scheduled article or one twice.
    """
    limit = settings.SEE_ALSO_LIMIT if limit is None else limit
    if limit <= 0:
        return []
    visible = _visible(language)
    picked_ids = list(
        article.related_links.order_by("position", "id").values_list("related_id", flat=True)[:limit]
    )
    shown = []
    if picked_ids:
        by_id = {a.pk: a for a in visible.filter(pk__in=picked_ids).exclude(pk=article.pk).for_listing()}
        shown = [by_id[pk] for pk in picked_ids if pk in by_id]
    missing = limit - len(shown)
    if missing <= 0:
        return shown

    excluded = [article.pk, *(a.pk for a in shown)]
    candidates = dict(
        visible.filter(category_id=article.category_id)
        .exclude(pk__in=excluded)
        .order_by("-published_at", "-id")
        .values_list("pk", "published_at")[:missing]
    )
    translated, untranslated = _language_filter(language, "article__")
    # article.tags.all() costs nothing when the page prefetched the tags.
    tag_ids = sorted(tag.pk for tag in article.tags.all())[:MAX_TAGS_CONSIDERED]
    for tag_id in tag_ids:
        rows = (
            ArticleTag.objects.filter(
                tag_id=tag_id,
                article__status=Article.Status.PUBLISHED,
                article__published_at__lte=timezone.now(),
                **translated,
            )
            .exclude(**untranslated)
            .exclude(article_id__in=excluded)
            .order_by("-article_published_at", "-article_id")
            .values_list("article_id", "article__published_at")[:missing]
        )
        candidates.update(rows)
    newest = sorted(candidates.items(), key=lambda item: (item[1], item[0]), reverse=True)[:missing]
    if newest:
        by_id = {a.pk: a for a in visible.filter(pk__in=[pk for pk, _when in newest]).for_listing()}
        shown += [by_id[pk] for pk, _when in newest if pk in by_id]
    return shown
