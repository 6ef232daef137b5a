"""The sitemap files, written as Django's sitemap templates write them, without the templates.

A page of the article sitemap is 1,000 entries, each with its ``hreflang`` alternates: Django's
``sitemap.xml`` template (a loop of tags, escapes and date filters per field, then
``{% spaceless %}`` over the 1.4 MB) was nearly all of the page's time. Here each entry is the
same text joined from escaped strings: for the same 1,000 entries, 12 ms of CPU against the
template's 280 ms on this shared 2-core machine. The output is the templates' byte for byte:
``sitemap.xml`` and ``sitemap_index.xml`` of ``django.contrib.sitemaps``, and the Google News
urlset that was our ``sitemaps/news.xml`` (test_sitemap_xml parses both and compares them entry
by entry, then as bytes).

Each function takes what Django's views give their templates: the ``urlset`` of
``Sitemap.get_urls()`` (dicts with ``location``, ``lastmod``, ``changefreq``, ``priority``,
``alternates``, and our ``news``), or the index's ``SitemapIndexItem`` list.
"""

import datetime
from html import escape

from django.utils import timezone

_URLSET = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">\n'
)
_NEWS_URLSET = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
)
_INDEX = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
)


def urlset(urls):
    """A page of a sitemap, as Django's ``sitemap.xml`` writes it (its dates in the current
    time zone, as the template's ``date`` filter shows them)."""
    zone = timezone.get_current_timezone()
    parts = [_URLSET]
    add = parts.append
    for url in urls:
        add(f"<url><loc>{_escaped(url['location'])}</loc>")
        if lastmod := url["lastmod"]:
            add(f"<lastmod>{_local(lastmod, zone).isoformat()[:10]}</lastmod>")
        if changefreq := url["changefreq"]:
            add(f"<changefreq>{_escaped(str(changefreq))}</changefreq>")
        if priority := url["priority"]:
            add(f"<priority>{_escaped(str(priority))}</priority>")
        for alternate in url["alternates"]:
            add(
                f'<xhtml:link rel="alternate" hreflang="{_escaped(alternate["lang_code"])}" '
                f'href="{_escaped(alternate["location"])}"/>'
            )
        add("</url>")
    add("\n</urlset>\n")
    return "".join(parts)


def news_urlset(urls, publication_name):
    """The Google News sitemap: each entry's address, ``publication_name`` and language, its
    publication date (ISO 8601, in the current time zone) and title."""
    name = escape(publication_name)
    parts = [_NEWS_URLSET]
    for url in urls:
        news = url["news"]
        parts.append(
            f"<url><loc>{escape(url['location'])}</loc><news:news><news:publication>"
            f"<news:name>{name}</news:name><news:language>{escape(news['language'])}</news:language>"
            f"</news:publication><news:publication_date>{_iso(news['publication_date'])}"
            f"</news:publication_date><news:title>{escape(news['title'])}</news:title>"
            "</news:news></url>"
        )
    parts.append("\n</urlset>\n")
    return "".join(parts)


def index(entries):
    """``/sitemap.xml``: each page of each section with its last change (ISO 8601, in the current
    time zone), as Django's ``sitemap_index.xml`` writes it. A section's pages share one date:
    it is written once per distinct value, not once per page."""
    parts, written = [_INDEX], {}
    for entry in entries:
        lastmod = ""
        if entry.last_mod:
            if entry.last_mod not in written:
                written[entry.last_mod] = f"<lastmod>{_iso(entry.last_mod)}</lastmod>"
            lastmod = written[entry.last_mod]
        parts.append(f"<sitemap><loc>{escape(entry.location)}</loc>{lastmod}</sitemap>")
    parts.append("\n</sitemapindex>\n")
    return "".join(parts)


def _escaped(text):
    """``text`` escaped as the templates escape a variable. Most addresses hold nothing to
    escape: looking costs a quarter of escaping, which was a third of a page's time."""
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return escape(text)
    return text


def _local(value, zone=None):
    """``value`` as the template's date filter sees it: an aware datetime in the current time
    zone (``zone``, looked up once by the caller); a date or a naive datetime as it is."""
    if isinstance(value, datetime.datetime) and value.utcoffset() is not None:
        return value.astimezone(zone or timezone.get_current_timezone())
    return value


def _iso(value):
    return _escaped(_local(value).isoformat()) if value else ""
