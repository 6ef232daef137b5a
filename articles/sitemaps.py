"""Sitemaps for search engines: articles (with their translations), sections, tags, and the
Google News sitemap of the last two days.

``/sitemap.xml`` is an index of the sections below; a section longer than ``limit`` URLs is cut
into pages (``?p=2``), as the protocol asks (at most 50,000 URLs per file). Their counts, where
each page starts and their last change are read from indexes (an index-only COUNT per
language, a numbered index-only read of a language once per change of the published articles,
the newest ``updated_at`` from its own index), and a page reads only its own rows, from its
first entry down the index. The files are written without templates (``sitemap_xml``, the same
bytes as Django's). At 100,000 articles, uncached, the index renders in about 15 ms and the last
page of the article sitemap (1,000 entries, 1.4 MB) in about 44 ms, 4 ms of it in the database
(README, "Search and the long lists"); each is also stored in the readers' cache
(``for_crawlers``) and rendered again only when what it lists changed. An article's addresses
(its entry and its alternates) are made from one reverse per language and page
(``ArticleSitemap._address_patterns``): Django's five reverses per article, each in a
``translation.override``, were half of a page's time.
"""

import dataclasses
import datetime
import functools
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.contrib.sitemaps.views import SitemapIndexItem, x_robots_tag
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import F, Q, TextField, Window
from django.db.models.functions import Cast, RowNumber
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import RFC3986_SUBDELIMS, http_date

from kawalis.readercache import shared, tag
from kawalis.readercache.pages import cache_page
from kawalis.site_url import absolute_url

from . import sitemap_xml
from .models import (
    ARTICLE_EDITS_TAG,
    ARTICLE_LANGUAGES,
    ARTICLE_LISTS_TAG,
    AUTHORS_TAG,
    CATEGORIES_TAG,
    TAGS_TAG,
    TRANSLATION_LANGUAGES,
    Article,
    Author,
    Category,
    Tag,
)

# How long the article sitemap's counts are kept at most (their tag makes them stale sooner).
COUNTS_SECONDS = 24 * 3600

# Placeholders of an article's address, replaced by each article's number and slug.
_PK_MARK, _SLUG_MARK = 987654321, "slug-mark"

# Columns a sitemap entry needs: no bodies, no search documents.
_ARTICLE_COLUMNS = [
    "id",
    "slug",
    "status",
    "published_at",
    "updated_at",
    *[f"title_{code}" for code in ARTICLE_LANGUAGES],
]
# Whether an article has each translation: its title there.
_TRANSLATION_TITLES = [f"title_{code}" for code in TRANSLATION_LANGUAGES]


class Sitemap(DjangoSitemap):
    """A sitemap whose addresses are on SITE_URL, whatever Host the request named (Django's
    take the request's host and scheme, so a crawler asking with another Host got links there)."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        parts = urlsplit(settings.SITE_URL)
        return parts.netloc + parts.path.rstrip("/")

    def xml(self, urls):
        """The file of ``urls`` (a page of ``get_urls()``): Django's ``sitemap.xml``."""
        return sitemap_xml.urlset(urls)


def for_crawlers(view):
    """``view`` (a sitemap) served from the readers' cache, current until what it lists changes:
    an article's address or last change (``ARTICLE_EDITS_TAG``), which articles are published
    (``ARTICLE_LISTS_TAG``, also bumped when a scheduled one comes out), the sections and tags.
    Its pages are numbered ``?p=`` as in Django's sitemaps."""

    @functools.wraps(view)
    def tagged(request, *args, **kwargs):
        tag(ARTICLE_EDITS_TAG, ARTICLE_LISTS_TAG, CATEGORIES_TAG, TAGS_TAG, AUTHORS_TAG)
        return view(request, *args, **kwargs)

    return cache_page(tagged, page_parameters={"p"})


@for_crawlers
@x_robots_tag
def sitemap_index(request, sitemaps, sitemap_url_name):
    """``/sitemap.xml``: every page of every section, on SITE_URL (Django's index names the
    request's host)."""
    entries, latest = [], []
    for section, sitemap_class in sitemaps.items():
        sitemap = sitemap_class()
        location = absolute_url(reverse(sitemap_url_name, kwargs={"section": section}))
        lastmod = sitemap.get_latest_lastmod()
        latest.append(lastmod)
        entries.append(SitemapIndexItem(location, lastmod))
        pages = range(2, sitemap.paginator.num_pages + 1)
        entries += [SitemapIndexItem(f"{location}?p={page}", lastmod) for page in pages]
    headers = {}
    if latest and None not in latest:  # a conditional GET can then answer 304
        headers["Last-Modified"] = http_date(max(_aware(value) for value in latest).timestamp())
    return HttpResponse(sitemap_xml.index(entries), content_type="application/xml", headers=headers)


@for_crawlers
@x_robots_tag
def sitemap(request, sitemaps, section):
    """A page (``?p=``) of a section of ``/sitemap.xml``, or the Google News sitemap: Django's
    ``sitemap`` view for one section, written by the section's ``xml()`` instead of a template
    (``sitemap_xml``). A page past the last, or not a number, is 404 as in Django's."""
    if section not in sitemaps:
        raise Http404(f"No sitemap available for section: {section!r}")
    site = sitemaps[section]()
    page = request.GET.get("p", 1)
    try:
        urls = site.get_urls(page=page)
    except EmptyPage as error:
        raise Http404(f"Page {page} empty") from error
    except PageNotAnInteger as error:
        raise Http404(f"No page {page!r}") from error
    headers = {}
    lastmod = getattr(site, "latest_lastmod", None)  # set by get_urls when every entry has one
    if lastmod:  # a conditional GET can then answer 304
        headers["Last-Modified"] = http_date(_aware(lastmod).timestamp())
    return HttpResponse(site.xml(urls), content_type="application/xml", headers=headers)


def _aware(value):
    if not isinstance(value, datetime.datetime):
        value = datetime.datetime.combine(value, datetime.time.min)
    return value if timezone.is_aware(value) else timezone.make_aware(value, datetime.timezone.utc)


class _ArticlesInEachLanguage:
    """The ``(article, language)`` entries of the article sitemap, read a page at a time.

    Django's i18n sitemap builds every pair in memory before it paginates, for the index and
    for each page: at 100,000 articles that took 35 s and 125 MB per request, past any worker
    timeout. Here the entries run language by language (all Arabic ones, then French, then
    English), so the count is one COUNT per language and a page is one read down the index of
    the language(s) it covers, from the entry it starts at (``page_starts``).

    Both are answered from the indexes (``article_published_idx`` for Arabic, one partial index
    per translation): a count is an index-only scan, and a page reads only its own rows. With
    an OFFSET, the last page at 100,000 articles skipped 64,000 index entries (24 ms) first.
    """

    ordered = True  # for the paginator: every read is ordered

    def __init__(self, by_language, per_page):
        self.by_language = by_language  # [(language, queryset), ...]
        self.per_page = per_page
        self._counts = None

    def counts(self):
        """Entries per language, kept in the shared cache until which articles are published
        changes (``ARTICLE_LISTS_TAG``: a publication, a withdrawal, a translation added or
        removed, a scheduled article coming out). Kept even when the readers' cache is off
        (``READER_CACHE_SECONDS=0``): the tag keeps them exact, and uncounted, the index and
        each page would count the whole archive (three index scans, 60 ms at 100,000)."""
        if self._counts is None:

            def compute():
                tag(ARTICLE_LISTS_TAG)
                return [queryset.count() for _language, queryset in self.by_language]

            self._counts = shared(
                "sitemap-article-counts", *self._languages(), compute=compute, timeout=COUNTS_SECONDS
            )
        return self._counts

    def page_starts(self, language, offset, count):
        """``{position: (published_at, id)}`` of the entries of ``language`` that a page starts
        at (but its first), ``offset`` entries of other languages coming before its ``count``.
        Kept as the counts are, and named by them: one index-only read of the language's
        entries, numbered, once per change of the published articles, and only for a page of
        that language (the index needs none): 70 to 120 ms per language at 100,000 articles,
        paid by that first page. Each page is then a keyset read of its own rows."""
        queryset = dict(self.by_language)[language]

        def compute():
            tag(ARTICLE_LISTS_TAG)
            return _keys_at(queryset, [n for n in range(-offset % self.per_page, count, self.per_page) if n])

        return shared(
            "sitemap-article-page-starts",
            language,
            self.per_page,
            offset,
            count,
            compute=compute,
            timeout=COUNTS_SECONDS,
        )

    def _languages(self):
        return [language for language, _queryset in self.by_language]

    def count(self):
        return sum(self.counts())

    __len__ = count

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("the article sitemap is read a page (a slice) at a time")
        start, stop, _step = index.indices(self.count())
        entries, offset = [], 0
        for (language, queryset), count in zip(self.by_language, self.counts(), strict=True):
            low, high = max(start - offset, 0), min(stop - offset, count)
            if low < high:
                if low:  # a page starts here (KeyError for a slice that is not a page)
                    published_at, pk = self.page_starts(language, offset, count)[low]
                    queryset = queryset.filter(
                        Q(published_at__lt=published_at) | Q(published_at=published_at, pk__lte=pk),
                        published_at__lte=published_at,  # the index's range; the rest a filter
                    )
                # Plain values: modeltranslation's would rebuild each row as a dict and back. The
                # last change as text, parsed by datetime.fromisoformat: Django's loader of
                # timestamps (psycopg's in Python) took a quarter of a page's time.
                updated = Cast("updated_at", output_field=TextField())
                rows = queryset.rewrite(False).values_list("pk", "slug", updated, *_TRANSLATION_TITLES)
                entries += [(_Listed.of(*row), language) for row in rows[: high - low]]
            offset += count
        return entries


@dataclasses.dataclass(slots=True)
class _Listed:
    """An article as its sitemap entries need it, read as a row of values: a page's 1,000
    Article instances took longer to build than the page to write (80 ms against 20 at
    100,000 articles, on this shared machine)."""

    pk: int
    slug: str
    updated_at: datetime.datetime
    languages: list  # as Article.languages: Arabic, then each translation it has

    @classmethod
    def of(cls, pk, slug, updated, *titles):
        """The article of a row: its last change as the database writes it in UTC (PostgreSQL
        with its offset, SQLite without), each title "" or None where it is not translated."""
        updated_at = datetime.datetime.fromisoformat(updated)
        if updated_at.tzinfo is None:
            updated_at = updated_at.replace(tzinfo=datetime.timezone.utc)
        translated = [code for code, title in zip(TRANSLATION_LANGUAGES, titles, strict=True) if title]
        return cls(pk, slug, updated_at, [settings.LANGUAGE_CODE, *translated])


def _keys_at(queryset, positions):
    """``{position: (published_at, id)}`` of the entries of ``queryset`` (ordered newest first)
    at ``positions`` (from 0)."""
    if not positions:
        return {}
    numbered = queryset.annotate(
        number=Window(RowNumber(), order_by=[F("published_at").desc(), F("id").desc()])
    )
    rows = numbered.filter(number__in=[position + 1 for position in positions])
    return {
        number - 1: (published_at, pk)
        for number, published_at, pk in rows.values_list("number", "published_at", "id")
    }


@functools.lru_cache(maxsize=4096)
def _quoted_slug(slug):
    # An article's slug is in its entry and in each of its alternates, up to five addresses
    # for each of its entries: quoted once (quote() was a fifth of a page's time).
    return quote(slug, safe=RFC3986_SUBDELIMS + "/~:@")


class ArticleSitemap(Sitemap):
    """Every published article once per language it is written in, each entry listing the
    other languages as ``hreflang`` alternates (and Arabic, the original, as x-default)."""

    i18n = True
    alternates = True
    x_default = True
    # Entries per file: each carries its alternates, so 1,000 make about 1.4 MB; the index
    # lists as many files as it takes (the protocol allows 50,000).
    limit = 1000
    changefreq = "daily"

    def items(self):
        return Article.objects.published().only(*_ARTICLE_COLUMNS).order_by("-published_at", "-id")

    def _items(self):
        return _ArticlesInEachLanguage(
            [(code, self.items().in_language(code)) for code in ARTICLE_LANGUAGES], self.limit
        )

    def get_languages_for_item(self, item):
        # Only the translations that exist: an alternate must be the same article in that language.
        return item.languages

    def lastmod(self, item):
        return item.updated_at

    def _location(self, item, force_lang_code=None):
        # Django's reverses each address (an entry and each alternate) inside its language's
        # translation.override: five per article, half of a page's time. Here the article's
        # address in each language is one reverse per page, its number and slug put in after,
        # quoted as reverse() quotes them (test_feeds_and_sitemaps compares the two).
        article, language = item
        before, middle, after = self._address_patterns()[force_lang_code or language]
        return f"{before}{article.pk}{middle}{_quoted_slug(article.slug)}{after}"

    def _address_patterns(self):
        """{language: (before the number, between it and the slug, after the slug)}."""
        if not hasattr(self, "_patterns"):
            self._patterns = {}
            for code in ARTICLE_LANGUAGES:
                with translation.override(code):
                    sample = reverse("articles:detail", kwargs={"pk": _PK_MARK, "slug": _SLUG_MARK})
                before, rest = sample.split(str(_PK_MARK))
                self._patterns[code] = (before, *rest.split(_SLUG_MARK))
        return self._patterns

    def _urls(self, page, protocol, domain):
        # Django's makes five addresses per entry (itself, each alternate, x-default) and reads
        # each field through _get(): about a quarter of a page's time. Here each address of the article
        # is made once, in the same order and with the same fields (test_sitemap_xml compares
        # the two); Arabic has no prefix, so its address is the x-default one as it is.
        site = f"{protocol}://{domain}"
        patterns = self._address_patterns()
        urls, latest = [], None
        for item in self.paginator.page(page).object_list:
            article, language = item
            pk, slug = article.pk, _quoted_slug(article.slug)
            addresses = {}
            for code in article.languages:
                before, middle, after = patterns[code]
                addresses[code] = f"{site}{before}{pk}{middle}{slug}{after}"
            alternates = [{"location": address, "lang_code": code} for code, address in addresses.items()]
            default = addresses[settings.LANGUAGE_CODE].replace(f"/{settings.LANGUAGE_CODE}/", "/", 1)
            alternates.append({"location": default, "lang_code": "x-default"})
            lastmod = article.updated_at
            latest = lastmod if latest is None or lastmod > latest else latest
            urls.append(
                {
                    "item": item,
                    "location": addresses[language],
                    "lastmod": lastmod,
                    "changefreq": self.changefreq,
                    "priority": "",
                    "alternates": alternates,
                }
            )
        if latest:
            self.latest_lastmod = latest
        return urls

    def get_latest_lastmod(self):
        # Django's default calls lastmod() on every item. The latest change is read from the end
        # of the index on updated_at (an aggregate read every published row: 190 ms at 100,000).
        latest = Article.objects.published().order_by("-updated_at").values_list("updated_at", flat=True)
        return latest.first()


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


class AuthorSitemap(Sitemap):
    i18n = True
    alternates = True
    x_default = True
    changefreq = "daily"

    def items(self):
        return Author.objects.order_by("id")


class NewsSitemap(Sitemap):
    """Google News: articles published in the last two days, with their title and language.

    Written in the news: namespace (``sitemap_xml.news_urlset``). Google reads at most 1,000
    URLs.
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

    def xml(self, urls):
        return sitemap_xml.news_urlset(urls, settings.SITE_NAME)


# The sections of /sitemap.xml (the Google News sitemap is a separate file, named in robots.txt).
SITEMAPS = {
    "articles": ArticleSitemap,
    "categories": CategorySitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
}
