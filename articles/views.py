"""Reader pages of the articles app: thin views over ``Article.objects.published()``."""

import functools

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from kawalis.csrf import cross_origin_protected
from kawalis.ratelimit import Limit
from kawalis.readercache import cached, tag
from kawalis.readercache.pages import PAGE_NUMBER, cache_page
from kawalis.site_url import absolute_url

from . import live, popularity
from .forms import SearchForm
from .models import (
    ARTICLE_EDITS_TAG,
    ARTICLE_LISTS_TAG,
    AUTHORS_TAG,
    CATEGORIES_TAG,
    TAGS_TAG,
    Article,
    Author,
    Category,
    Tag,
)
from .pagination import page_number, page_of, paginate
from .search import MAX_PAGES, find, in_found_order, query_terms
from .templatetags.articles import category_tree


def can_preview(user):
    """Staff with the right to view articles may see drafts and scheduled ones on the site."""
    return user.is_active and user.is_staff and user.has_perm("articles.view_article")


def lazy_page(request, articles):
    """The page of ``articles`` the request asks for, queried only if a template reads it.

    List pages render their lists inside ``{% readercache %}`` fragments: when the fragment is
    cached, the list is never queried at all; else it is one query, no COUNT (``page_of``).
    """
    return SimpleLazyObject(lambda: page_of(request, articles, settings.ARTICLES_PER_PAGE))


@cache_page
def home(request):
    listed = Article.objects.published().in_language(get_language()).for_cards()

    @functools.cache
    def front_page():
        featured = listed.filter(is_featured=True).first()
        latest = listed.exclude(pk=featured.pk) if featured else listed
        page = page_of(request, latest, settings.ARTICLES_PER_PAGE)
        return (featured if page.number == 1 else None), page

    context = {
        "featured": SimpleLazyObject(lambda: front_page()[0]),
        "page": SimpleLazyObject(lambda: front_page()[1]),
        "page_number": request.GET.get("page"),
    }
    return render(request, "articles/home.html", context)


def _get_for_readers(request, model, reader_tag, **lookup):
    """The object for ``lookup``, cached for readers with ``reader_tag(found or None)``."""

    def compute():
        found = model.objects.filter(**lookup).first()
        tag(reader_tag(found))
        return found

    found = cached(request, model._meta.label, *lookup.values(), compute=compute)
    if found is None:
        raise Http404(f"No {model._meta.verbose_name} here.")
    return found


@cache_page
def category_detail(request, slug):
    category = _get_for_readers(request, Category, lambda _found: CATEGORIES_TAG, slug=slug)
    tree = category_tree(request)
    # Its own articles and its subcategories': a few numbers, each read down article_category_idx.
    family = tree.family_pks(category)
    articles = Article.objects.published().in_language(get_language()).filter(category__in=family)
    context = {
        "category": category,
        "ancestors": tree.ancestors(category),
        "subcategories": tree.children.get(category.pk, []),
        "family": family,
        "page": lazy_page(request, articles.for_cards()),
        "page_number": request.GET.get("page"),
    }
    return render(request, "articles/category.html", context)


@cache_page
def tag_detail(request, slug):
    shown = _get_for_readers(request, Tag, lambda found: found.reader_tag if found else TAGS_TAG, slug=slug)
    articles = Article.objects.published().in_language(get_language()).filter(tags=shown).for_cards()
    context = {"tag": shown, "page": lazy_page(request, articles), "page_number": request.GET.get("page")}
    return render(request, "articles/tag.html", context)


@cache_page
def author_detail(request, slug):
    """An author's page: who they are, and their articles, newest first."""
    author = _get_for_readers(
        request, Author, lambda found: found.reader_tag if found else AUTHORS_TAG, slug=slug
    )
    articles = Article.objects.published().in_language(get_language()).filter(authors=author).for_cards()
    context = {"author": author, "page": lazy_page(request, articles), "page_number": request.GET.get("page")}
    return render(request, "articles/author.html", context)


def _search_limit():
    return Limit("search", window=60, per_network=settings.SEARCHES_PER_NETWORK or None)


def _found_for_readers(request, language, terms):
    """What the search finds for ``terms`` in ``language`` (``search.find``), cached for readers
    until any article changes: any edit may add or remove a match or move one up or down."""

    def compute():
        tag(ARTICLE_LISTS_TAG, ARTICLE_EDITS_TAG)
        return find(Article.objects.published().in_language(language), language, terms)

    return cached(request, "search", language, *terms, compute=compute)


def search(request):
    """Results for ``?q=``; any query, however odd, gets a page that says what happened.

    A query past its length cap answers 400, a page past the last one searched 400 too (with
    what to do), a network past its allowance of searches 429: each with the search page.
    """
    form = SearchForm(request.GET)
    context = {"form": form, "query": "", "terms": [], "page": None, "max_pages": MAX_PAGES}
    if not form.is_valid():
        return render(request, "articles/search.html", context, status=400)
    context["query"] = query = form.cleaned_data["q"]
    context["terms"] = terms = query_terms(query)
    if not terms:
        return render(request, "articles/search.html", context)
    number = page_number(request)
    if number is not None and number > MAX_PAGES:
        context["too_deep"] = True
        return render(request, "articles/search.html", context, status=400)
    if not _search_limit().hit(request).allowed:
        context["too_many"] = True
        response = render(request, "articles/search.html", context, status=429)
        response["Retry-After"] = "60"
        return response
    language = get_language()
    found = _found_for_readers(request, language, terms)
    page = paginate(request, found.ids, settings.ARTICLES_PER_PAGE)
    shown = Article.objects.published().filter(pk__in=page.object_list).for_search_results(language)
    page.object_list = list(in_found_order(shown, page.object_list))
    counted = _said_count(found)
    context.update(page=page, found=found, counted=counted, shown_count=_grouped(counted))
    return render(request, "articles/search.html", context)


def _grouped(number):
    """``number`` with its thousands set apart as the reader's language writes them ("12,000",
    "12 000"). Django's Arabic format groups no digits, and its "." would read as a decimal
    point to readers of French: Arabic gets its own thousands separator, "12٬000"."""
    if get_language() == "ar":
        return f"{number:,}".replace(",", "\u066c")
    return number_format(number, force_grouping=True)


def _said_count(found):
    """The number of results the page says: exact, or an estimate rounded to two figures
    ("about 12,000"); the plural form of the sentence follows this number."""
    count = found.count
    if not found.exact and count >= 100:
        figures = 10 ** (len(str(count)) - 2)
        count = round(count / figures) * figures
    return count


def _article_for_readers(request, pk):
    """The article ``pk`` with its category, tags and authors (None if there is none).

    Tags are read three times on the page (their links, the share cards, "see also"): once here.
    Readers get the article from the cache during a spike (it pickles with its category and
    tags); staff always read it fresh.
    """

    def compute():
        with_links = Article.objects.select_related("category").prefetch_related("tags", "authors")
        found = with_links.filter(pk=pk).first()
        if found is None:
            tag(ARTICLE_LISTS_TAG)  # an article made later takes a number never shown before
        else:
            tag(found.reader_tag, CATEGORIES_TAG, *(shown.reader_tag for shown in found.tags.all()))
            tag(*(author.reader_tag for author in found.authors.all()))
        return found

    return cached(request, "article", pk, compute=compute)


@cache_page
def article_detail(request, pk, slug=None):
    article = _article_for_readers(request, pk)
    if article is None:
        raise Http404("No article with this number.")
    preview = not article.is_published
    if preview and not can_preview(request.user):
        raise Http404("No published article with this number.")
    if slug != article.slug:
        # The number identifies the article; a missing, old or mistyped slug is corrected.
        url = article.get_absolute_url()
        if request.META.get("QUERY_STRING"):
            url = f"{url}?{request.META['QUERY_STRING']}"
        return redirect(url, permanent=True)
    response = render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "preview": preview,
            "share_url": absolute_url(article.get_absolute_url()),
            "view_beacon": None if preview else popularity.beacon_path(article.pk),
            "coverage": live.coverage(request, article) if article.has_live_coverage else None,
        },
    )
    if preview:
        response["X-Robots-Tag"] = "noindex"
        response["Cache-Control"] = "private, no-store"
    return response


def live_updates(request, pk):
    """What changed in a live coverage after ``?since=<stamp>`` (static/js/live.js asks every few
    seconds): the changed entries' HTML, tombstones for deleted ones, the key points. Without
    ``since``, every entry. A ``since`` that is not a stamp the page gave answers 400 with the
    site's page (before the cache, which would store nothing for it)."""
    since = request.GET.get("since")
    if since is not None and not PAGE_NUMBER.fullmatch(since):
        return render(request, "400.html", status=400)
    return _live_changes(request, pk)


@cache_page(page_parameters={"since"})
def _live_changes(request, pk):
    article = _article_for_readers(request, pk)
    if article is None or not article.has_live_coverage:
        raise Http404("No live coverage with this number.")
    if not article.is_published and not can_preview(request.user):
        raise Http404("No published article with this number.")
    changes = live.changes_since(article, int(request.GET.get("since") or 0))
    response = render(request, "articles/live_updates.html", {"article": article, "changes": changes})
    response["X-Robots-Tag"] = "noindex"  # a piece of the article's page, not a page of its own
    return response


@cross_origin_protected
@require_POST
def view_beacon(request, signed):
    """An article page served by the cache in front says a reader saw it (static/js/views.js)."""
    article_pk = popularity.beacon_article(signed)
    if article_pk is None:
        raise Http404("Not an address this site made.")
    keys = popularity.reader_view_keys(request, article_pk)
    if keys is not None:
        try:
            popularity.count_view(*keys)
        except Exception:
            popularity.logger.exception("Could not count an article view")
    response = HttpResponse(status=204)
    response["Cache-Control"] = "private, no-store"
    return response
