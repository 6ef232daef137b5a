"""The sitemaps written without templates (``articles/sitemap_xml.py``) are what Django's sitemap
views and templates write for the same entries: parsed and compared entry by entry, then as
bytes."""

import datetime
from xml.etree import ElementTree

import pytest
from django.contrib.sitemaps import views as django_views
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from articles.models import Article, Author, Tag
from articles.sitemaps import SITEMAPS, ArticleSitemap, NewsSitemap

# What the Google News sitemap's template was (templates/sitemaps/news.xml) before it was
# written without one: the reference its output is compared with.
NEWS_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{% spaceless %}
{% for url in urlset %}
  <url>
    <loc>{{ url.location }}</loc>
    <news:news>
      <news:publication>
        <news:name>{{ SITE_NAME }}</news:name>
        <news:language>{{ url.news.language }}</news:language>
      </news:publication>
      <news:publication_date>{{ url.news.publication_date|date:"c" }}</news:publication_date>
      <news:title>{{ url.news.title }}</news:title>
    </news:news>
  </url>
{% endfor %}
{% endspaceless %}
</urlset>
"""

TRICKY_TITLE = 'عنوان <b>& "خاص"</b> ]]>'
# 23:30 UTC is already the next day in Casablanca (UTC+1 in June): a lastmod written in UTC
# would show the wrong day.
LATE_EVENING = datetime.datetime(2026, 6, 10, 23, 30, tzinfo=datetime.timezone.utc)


@pytest.fixture
def archive(make_article, make_category):
    section = make_category(name_ar="سياسة & اقتصاد", slug="politique")
    both = make_article(
        title_ar="البرلمان يصادق على القانون",
        slug="البرلمان-يصادق",
        title_fr="Le Parlement adopte la loi & <le budget>",
        title_en="Parliament passes the law",
        category=section,
    )
    tricky = make_article(title_ar=TRICKY_TITLE, slug="عنوان-خاص", title_fr="L'info « spéciale »")
    make_article(title_ar="خبر بالعربية فقط", slug="plain-slug")
    make_article(title_ar="مسودة", status=Article.Status.DRAFT)
    Article.objects.filter(pk=both.pk).update(updated_at=LATE_EVENING)
    tag = Tag.objects.create(name_ar="البرلمان", name_fr="Parlement")
    both.tags.add(tag, through_defaults={"article_published_at": both.published_at})
    Author.objects.create(name_ar="سعيد الصحفي", name_fr="Saïd")
    return {"both": both, "tricky": tricky}


def djangos(view, path, **kwargs):
    """What Django's own view writes with its own template, asked on SITE_URL's host."""
    request = RequestFactory().get(path, HTTP_HOST="127.0.0.1:8000")
    response = view(request, **kwargs)
    response.render()
    return response


def elements(xml):
    # The site's own output in a test, not untrusted input: the standard parser is fine here.
    return ElementTree.fromstring(xml)  # noqa: S314


def entries(root):
    """Each child of the root as (tag, attributes, text, its children likewise), in order."""

    def flat(element):
        return (element.tag, element.attrib, element.text, [flat(child) for child in element])

    return [flat(child) for child in root]


def assert_same_sitemap(ours, theirs):
    assert ours.status_code == theirs.status_code == 200
    assert ours["Content-Type"] == theirs["Content-Type"] == "application/xml"
    assert ours["X-Robots-Tag"] == theirs["X-Robots-Tag"]
    assert ours.get("Last-Modified") == theirs.get("Last-Modified")
    mine, reference = elements(ours.content), elements(theirs.content)
    assert mine.tag == reference.tag
    assert len(mine) == len(reference)
    for index, (entry, expected) in enumerate(zip(entries(mine), entries(reference), strict=True)):
        assert entry == expected, f"entry {index}"
    assert ours.content == theirs.content


@pytest.mark.parametrize("section", list(SITEMAPS))
def test_each_section_is_what_djangos_sitemap_template_writes(client, archive, section):
    ours = client.get(f"/sitemap-{section}.xml")

    theirs = djangos(django_views.sitemap, f"/sitemap-{section}.xml", sitemaps=SITEMAPS, section=section)

    assert_same_sitemap(ours, theirs)


def test_the_article_sitemap_compared_holds_the_hard_cases(client, archive):
    text = client.get("/sitemap-articles.xml").content.decode()

    # Arabic slugs percent-encoded, every alternate with x-default, the day in Casablanca.
    assert f"/article/{archive['both'].pk}/%D8%A7%D9%84%D8%A8%D8%B1%D9%84%D9%85%D8%A7%D9%86-" in text
    assert 'hreflang="en"' in text and 'hreflang="x-default"' in text
    assert "<lastmod>2026-06-11</lastmod>" in text
    assert "<changefreq>daily</changefreq>" in text


def test_a_later_page_is_what_djangos_template_writes(client, archive, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)

    ours = client.get("/sitemap-articles.xml?p=3")

    theirs = djangos(django_views.sitemap, "/sitemap-articles.xml?p=3", sitemaps=SITEMAPS, section="articles")
    assert_same_sitemap(ours, theirs)
    assert client.get("/sitemap-articles.xml?p=4").status_code == 404  # 6 entries, 2 a page


def test_the_index_is_what_djangos_index_template_writes(client, archive, monkeypatch):
    monkeypatch.setattr(ArticleSitemap, "limit", 2)

    ours = client.get("/sitemap.xml")

    theirs = djangos(
        django_views.index, "/sitemap.xml", sitemaps=SITEMAPS, sitemap_url_name="sitemap_section"
    )
    assert_same_sitemap(ours, theirs)
    assert "?p=3" in ours.content.decode()


def test_the_news_sitemap_is_what_its_template_wrote(client, archive, settings):
    settings.SITE_NAME = "كواليس & <اليوم>"

    ours = client.get("/news-sitemap.xml")

    theirs = Template(NEWS_TEMPLATE).render(
        Context({"urlset": NewsSitemap().get_urls(1), "SITE_NAME": settings.SITE_NAME})
    )
    mine, reference = elements(ours.content), elements(theirs.encode())
    assert len(mine) == len(reference) == 6  # in three languages, two and one
    for index, (entry, expected) in enumerate(zip(entries(mine), entries(reference), strict=True)):
        assert entry == expected, f"entry {index}"
    assert ours.content.decode() == theirs
    titles = mine.findall(".//{http://www.google.com/schemas/sitemap-news/0.9}title")
    assert TRICKY_TITLE in [title.text for title in titles]
    assert "&lt;b&gt;&amp; &quot;خاص&quot;&lt;/b&gt; ]]&gt;" in theirs


def test_an_empty_sitemap_is_what_djangos_template_writes(client, db):
    ours = client.get("/sitemap-articles.xml")

    theirs = djangos(django_views.sitemap, "/sitemap-articles.xml", sitemaps=SITEMAPS, section="articles")

    assert ours.content == theirs.content
    assert elements(ours.content).findall("*") == []


def test_a_news_date_is_written_in_casablanca_time(client, make_article):
    published = timezone.now() - datetime.timedelta(hours=1)
    make_article(published_at=published)

    shown = elements(client.get("/news-sitemap.xml").content).findtext(
        ".//{http://www.google.com/schemas/sitemap-news/0.9}publication_date"
    )

    assert shown == timezone.localtime(published).isoformat()


def test_every_field_and_character_is_written_as_djangos_template_writes_it(db):
    from django.template.loader import render_to_string

    from articles import sitemap_xml

    urls = [
        {
            "location": "http://127.0.0.1:8000/tag/a&b'c\"<d>/",
            "lastmod": datetime.date(2026, 1, 2),
            "changefreq": "weekly",
            "priority": "0.5",
            "alternates": [{"location": "http://127.0.0.1:8000/fr/tag/a&b/", "lang_code": "fr"}],
        },
        {
            "location": "http://127.0.0.1:8000/x/",
            "lastmod": None,
            "changefreq": None,
            "priority": "",
            "alternates": [],
        },
        {
            "location": "http://127.0.0.1:8000/y/",
            "lastmod": datetime.datetime(2026, 1, 2, 23, 59),  # naive: shown as it is
            "changefreq": "daily",
            "priority": "0.0",
            "alternates": [],
        },
    ]

    ours = sitemap_xml.urlset(urls)

    theirs = render_to_string("sitemap.xml", {"urlset": urls})
    assert entries(elements(ours)) == entries(elements(theirs))
    assert ours == theirs
    assert "a&amp;b&#x27;c&quot;&lt;d&gt;" in ours


def test_article_entries_are_those_djangos_sitemap_makes(archive, monkeypatch):
    from django.contrib.sitemaps import Sitemap as DjangoSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 4)
    for page in (1, 2):
        ours, djangos = ArticleSitemap(), ArticleSitemap()

        urls = ours.get_urls(page)

        assert urls == DjangoSitemap._urls(djangos, page, "http", "127.0.0.1:8000")
        assert ours.latest_lastmod == djangos.latest_lastmod
    assert {alternate["lang_code"] for url in urls for alternate in url["alternates"]} >= {"fr", "x-default"}


def test_article_entries_carry_each_articles_last_change_to_the_microsecond(archive):
    # Read as text from the database: whole seconds and trimmed fractions too.
    Article.objects.filter(pk=archive["tricky"].pk).update(
        updated_at=LATE_EVENING.replace(microsecond=120000)
    )
    stored = dict(Article.objects.values_list("pk", "updated_at"))

    sitemap = ArticleSitemap()
    urls = sitemap.get_urls(1)

    assert [url["lastmod"] for url in urls] == [stored[url["item"][0].pk] for url in urls]
    assert LATE_EVENING in [url["lastmod"] for url in urls]
    assert sitemap.latest_lastmod == max(stored[url["item"][0].pk] for url in urls)
