"""The "شاهد أيضا" (see also) block: editors' picks first, then the newest related articles.

Its cost must not grow with the archive. Every query here is an index range read with a LIMIT:
the picks by article, the same-category articles through ``article_category_idx``
(category, status, published_at), each tag's articles through ``article_tag_newest_idx``
(tag, article_published_at, article). The candidates (at most ``limit`` per source) are merged in
Python, newest first. At most ``MAX_TAGS_CONSIDERED`` tags are looked at, so the block costs
at most 5 + MAX_TAGS_CONSIDERED queries whatever the size of the archive.
"""

from django.conf import settings
from django.utils import timezone

from .models import Article, ArticleTag

MAX_TAGS_CONSIDERED = 3


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
    visible = Article.objects.published().in_language(language)
    picked_ids = list(
        article.related_links.order_by("position", "id").values_list("related_id", flat=True)[:limit]
    )
    shown = [item for item in _fetch(picked_ids, language) if item.pk != article.pk]
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
    now = timezone.now()
    for tag_id in tag_ids:
        rows = (
            ArticleTag.objects.filter(
                tag_id=tag_id,
                # On the copy too: it lets the database read the tag's index from "now" back.
                article_published_at__lte=now,
                article__status=Article.Status.PUBLISHED,
                article__published_at__lte=now,
                **translated,
            )
            .exclude(**untranslated)
            .exclude(article_id__in=excluded)
            .order_by("-article_published_at", "-article_id")
            .values_list("article_id", "article__published_at")[:missing]
        )
        candidates.update(rows)
    newest = sorted(candidates.items(), key=lambda item: (item[1], item[0]), reverse=True)[:missing]
    shown += _fetch([pk for pk, _when in newest], language)
    return shown


def _fetch(ids, language):
    """The articles ``ids`` readers in ``language`` may see, in the order of ``ids``.

    Fetched by primary key alone, the readers' rules then checked on these few rows: given
    "published and id IN (...)", SQLite (no table statistics) walks the whole published index
    instead of looking the few ids up.
    """
    if not ids:
        return []
    by_id = {item.pk: item for item in Article.objects.filter(pk__in=ids).for_listing()}
    return [
        by_id[pk] for pk in ids if pk in by_id and by_id[pk].is_published and by_id[pk].has_language(language)
    ]
