"""The "شاهد أيضا" (see also) block: editors' picks first, then the newest related articles.

Its cost must not grow with the archive. Every read here is an index range read with a LIMIT:
the picks by article, the same-category articles through ``article_category_idx``
(category, status, published_at), each tag's articles through ``article_tag_newest_idx``
(tag, article_published_at, article); at most ``MAX_TAGS_CONSIDERED`` tags are looked at.

Two queries on PostgreSQL, whatever the article: the picks and every source of candidates as
one ``UNION ALL`` of those limited reads (each keeps its own ORDER BY and LIMIT), then the
chosen articles' cards by primary key. SQLite cannot order and limit the parts of a compound
statement, so there the same reads run one by one (3 + the number of tags considered).
"""

from django.conf import settings
from django.db import connection
from django.db.models import F, IntegerField, QuerySet, Value
from django.utils import timezone

from kawalis.readercache import tag

from .models import (
    Article,
    ArticleTag,
    RelatedArticle,
    category_list_tag,
    language_rule,
    published_rule,
    tag_list_tag,
)

MAX_TAGS_CONSIDERED = 3
NOT_PICKED = -1  # the "position" of an automatic candidate


def _sources(article, language, limit):
    """The limited reads, each giving rows ``(article id, published_at, position)``.

    Picks carry their editor's position; candidates ``NOT_PICKED``. Candidates leave out the
    article itself and its picks (in SQL, so each read's LIMIT counts only usable rows).
    """
    not_picked = Value(NOT_PICKED, output_field=IntegerField())
    picks = RelatedArticle.objects.filter(article=article).order_by("position", "id")
    picked_ids = picks.values("related_id")[:limit]
    sources = [_columns(picks, "related_id", "related__published_at", F("position"))[:limit]]
    now = timezone.now()
    # A plain QuerySet: modeltranslation's own reorders the columns of values_list().
    same_category = (
        QuerySet(Article)
        .filter(published_rule(now=now), language_rule(language), category_id=article.category_id)
        .exclude(pk=article.pk)
        .exclude(pk__in=picked_ids)
        .order_by("-published_at", "-id")
    )
    sources.append(_columns(same_category, "pk", "published_at", not_picked)[:limit])
    # article.tags.all() costs nothing when the page prefetched the tags.
    tag_ids = sorted(tag.pk for tag in article.tags.all())[:MAX_TAGS_CONSIDERED]
    for tag_id in tag_ids:
        tagged = (
            ArticleTag.objects.filter(
                published_rule("article__", now),
                language_rule(language, "article__"),
                tag_id=tag_id,
                # On the copy too: it lets the database read the tag's index from "now" back.
                article_published_at__lte=now,
            )
            .exclude(article_id=article.pk)
            .exclude(article_id__in=picked_ids)
            .order_by("-article_published_at", "-article_id")
        )
        sources.append(_columns(tagged, "article_id", "article__published_at", not_picked)[:limit])
    return sources


def _columns(queryset, item, when, position):
    """Rows ``(item, when, position)`` in that column order, whatever the model.

    A UNION matches its parts' columns by place, and ``values_list()`` puts a model's own
    fields before joined ones: naming all three as annotations fixes their order.
    """
    return queryset.annotate(see_item=F(item), see_when=F(when), see_position=position).values_list(
        "see_item", "see_when", "see_position"
    )


def _rows(sources):
    if connection.features.supports_slicing_ordering_in_compound and len(sources) > 1:
        return list(sources[0].union(*sources[1:], all=True))
    return [row for source in sources for row in source]


def see_also(article, language, limit=None):
    """The articles to show under ``article`` for a reader in ``language``, in display order.

    Editors' picks that readers may see come first, in the editor's order; the rest of the
    ``limit`` is filled with published articles in ``language`` that share the category or a
    tag, newest first. Never the article itself, a draft, a scheduled article or one twice.
    """
    limit = settings.SEE_ALSO_LIMIT if limit is None else limit
    if limit <= 0:
        return []
    # For the readers' cache: the list changes with the articles of the category and of the tags
    # considered, and with each article fetched (a pick that is a draft today is shown once
    # published).
    tag(article.reader_tag, category_list_tag(article.category_id))
    tag(*(tag_list_tag(pk) for pk in sorted(t.pk for t in article.tags.all())[:MAX_TAGS_CONSIDERED]))
    rows = _rows(_sources(article, language, limit))
    picked = [
        pk for pk, _when, position in sorted((r for r in rows if r[2] != NOT_PICKED), key=lambda r: r[2])
    ]
    candidates = {pk: when for pk, when, position in rows if position == NOT_PICKED}
    newest = sorted(candidates.items(), key=lambda item: (item[1], item[0]), reverse=True)[:limit]
    # The picks readers may not see (a draft, no translation) are only known once fetched: the
    # fetch takes enough candidates to fill in for all of them.
    ids = [*picked, *(pk for pk, _when in newest)]
    tag(*(f"article:{pk}" for pk in ids))
    fetched = _fetch(ids, language)
    shown = [item for item in fetched if item.pk != article.pk]
    return shown[:limit]


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
