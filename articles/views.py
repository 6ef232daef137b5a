"""Reader pages of the articles app: thin views over ``Article.objects.published()``."""

import functools

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from kawalis.csrf import cross_origin_protected
from kawalis.readercache import cached, tag
from kawalis.readercache.pages import cache_page
from kawalis.site_url import absolute_url

from . import popularity
from .forms import SearchForm
from .models import ARTICLE_LISTS_TAG, AUTHORS_TAG, CATEGORIES_TAG, TAGS_TAG, Article, Author, Category, Tag
from .pagination import page_of, paginate
from .search import query_terms


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
    listed = Article.objects.published().in_language(get_language()).for_listing()

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
    articles = Article.objects.published().in_language(get_language()).filter(category=category).for_listing()
    context = {
        "category": category,
        "page": lazy_page(request, articles),
        "page_number": request.GET.get("page"),
    }
    return render(request, "articles/category.html", context)


@cache_page
def tag_detail(request, slug):
    shown = _get_for_readers(request, Tag, lambda found: found.reader_tag if found else TAGS_TAG, slug=slug)
    articles = Article.objects.published().in_language(get_language()).filter(tags=shown).for_listing()
    context = {"tag": shown, "page": lazy_page(request, articles), "page_number": request.GET.get("page")}
    return render(request, "articles/tag.html", context)


@cache_page
def author_detail(request, slug):
    """An author's page: who they are, and their articles, newest first."""
    author = _get_for_readers(
        request, Author, lambda found: found.reader_tag if found else AUTHORS_TAG, slug=slug
    )
    articles = Article.objects.published().in_language(get_language()).filter(authors=author).for_listing()
    context = {"author": author, "page": lazy_page(request, articles), "page_number": request.GET.get("page")}
    return render(request, "articles/author.html", context)


def search(request):
    """Results for ``?q=``; any query, however odd, gets a page that says what happened."""
    form = SearchForm(request.GET)
    query, terms, page = "", [], None
    if form.is_valid():
        query = form.cleaned_data["q"]
        terms = query_terms(query)
        if terms:
            language = get_language()
            found = Article.objects.published().search(terms, language).for_search_results(language)
            page = paginate(request, found, settings.ARTICLES_PER_PAGE)
    context = {"form": form, "query": query, "terms": terms, "page": page}
    return render(request, "articles/search.html", context)


@cache_page
def article_detail(request, pk, slug=None):
    # Tags are read three times on the page (their links, the share cards, "see also"): once here.
    # Readers get the article from the cache during a spike (it pickles with its category and
    # tags); staff always read it fresh.
    def compute():
        with_links = Article.objects.select_related("category").prefetch_related("tags", "authors")
        found = with_links.filter(pk=pk).first()
        if found is None:
            tag(ARTICLE_LISTS_TAG)  # an article made later takes a number never shown before
        else:
            tag(found.reader_tag, CATEGORIES_TAG, *(shown.reader_tag for shown in found.tags.all()))
            tag(*(author.reader_tag for author in found.authors.all()))
        return found

    article = cached(request, "article", pk, compute=compute)
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
        },
    )
    if preview:
        response["X-Robots-Tag"] = "noindex"
        response["Cache-Control"] = "private, no-store"
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
