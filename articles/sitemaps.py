"""Sitemaps for search engines: articles (with their translations), sections, tags, and the
Google News sitemap of the last two days.

``/sitemap.xml`` is an index of the sections below; a section longer than ``limit`` URLs is cut
into pages (``?p=2``), as the protocol asks (at most 50,000 URLs per file).
"""

import datetime

from django.contrib.sitemaps import Sitemap
from django.utils import timezone

from .models import ARTICLE_LANGUAGES, Article, Category, Tag

# Columns a sitemap entry needs: no bodies, no search documents.
_ARTICLE_COLUMNS = [
    "id",
    "slug",
    "status",
    "published_at",
    "updated_at",
    *[f"title_{code}" for code in ARTICLE_LANGUAGES],
]


class ArticleSitemap(Sitemap):
    """Every published article once per language it is written in, each entry listing the
    other languages as ``hreflang`` alternates (and Arabic, the original, as x-default)."""

    i18n = True
    alternates = True
    x_default = True
    limit = 5000
    changefreq = "daily"

    def items(self):
        return Article.objects.published().only(*_ARTICLE_COLUMNS).order_by("-published_at", "-id")

    def get_languages_for_item(self, item):
        # Only the translations that exist: an alternate must be the same article in that language.
        return item.languages

    def lastmod(self, item):
        return item.updated_at


class CategorySitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "hourly"

    def items(self):
        return Category.objects.all()


class TagSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "daily"
    limit = 5000

    def items(self):
        return Tag.objects.order_by("id")


class NewsSitemap(Sitemap):
    """Google News: articles published in the last two days, with their title and language.

    Rendered with ``sitemaps/news.xml`` (the news: namespace). Google reads at most 1,000 URLs.
    """

    i18n = True
    limit = 1000
    window = datetime.timedelta(days=2)

    def items(self):
        since = timezone.now() - self.window
        return (
            Article.objects.published()
            .filter(published_at__gte=since)
            .only(*_ARTICLE_COLUMNS)
            .order_by("-published_at", "-id")[: self.limit]
        )

    def get_languages_for_item(self, item):
        return item.languages

    def _urls(self, page, protocol, domain):
        urls = super()._urls(page, protocol, domain)
        for url in urls:
            article, language = url["item"]
            url["news"] = {
                "language": language,
                "title": getattr(article, f"title_{language}"),
                "publication_date": article.published_at,
            }
        return urls


# The sections of /sitemap.xml (the Google News sitemap is a separate file, named in robots.txt).
SITEMAPS = {
    "articles": ArticleSitemap,
    "categories": CategorySitemap,
    "tags": TagSitemap,
}
