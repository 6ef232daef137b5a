"""Reader pages of the articles app: thin views over ``Article.objects.published()``."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language

from .forms import SearchForm
from .models import Article, Category, Tag
from .pagination import paginate
from .search import query_terms


def can_preview(user):
    """Staff with the right to view articles may see drafts and scheduled ones on the site."""
    return user.is_active and user.is_staff and user.has_perm("articles.view_article")


def home(request):
    language = get_language()
    listed = Article.objects.published().in_language(language).for_listing()
    featured = listed.filter(is_featured=True).first()
    latest = listed.exclude(pk=featured.pk) if featured else listed
    page = paginate(request, latest, settings.ARTICLES_PER_PAGE)
    context = {"featured": featured if page.number == 1 else None, "page": page}
    return render(request, "articles/home.html", context)


def category_detail(request, slug):
    category = get_object_or_404(Category, slug=slug)
    articles = Article.objects.published().in_language(get_language()).filter(category=category).for_listing()
    page = paginate(request, articles, settings.ARTICLES_PER_PAGE)
    return render(request, "articles/category.html", {"category": category, "page": page})


def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    articles = Article.objects.published().in_language(get_language()).filter(tags=tag).for_listing()
    page = paginate(request, articles, settings.ARTICLES_PER_PAGE)
    return render(request, "articles/tag.html", {"tag": tag, "page": page})


def search(request):
    """Results for ``?q=``; any query, however odd, gets a page that says what happened."""
    form = SearchForm(request.GET)
    query, terms, page = "", [], None
    if form.is_valid():
        query = form.cleaned_data["q"]
        terms = query_terms(query)
        if terms:
            found = Article.objects.published().search(terms, get_language()).for_listing()
            page = paginate(request, found, settings.ARTICLES_PER_PAGE)
    context = {"form": form, "query": query, "terms": terms, "page": page}
    return render(request, "articles/search.html", context)


def article_detail(request, pk, slug=None):
    # Tags are read three times on the page (their links, the share cards, "see also"): once here.
    article = get_object_or_404(Article.objects.select_related("category").prefetch_related("tags"), pk=pk)
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
            "share_url": request.build_absolute_uri(article.get_absolute_url()),
        },
    )
    if preview:
        response["X-Robots-Tag"] = "noindex"
        response["Cache-Control"] = "private, no-store"
    return response
