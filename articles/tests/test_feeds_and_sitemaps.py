"""Feeds, sitemaps and robots.txt, read with a real XML parser and checked field by field."""

import datetime
from email.utils import parsedate_to_datetime
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from articles.models import Article, Tag

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "sm": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "news": "http://www.google.com/schemas/sitemap-news/0.9",
    "dc": "http://purl.org/dc/elements/1.1/",
}


def parse(response):
    assert response.status_code == 200
    # The site's own responses in a test, not untrusted input: the standard parser is fine here.
    return ElementTree.fromstring(response.content)  # noqa: S314


@pytest.fixture
def news(make_article, make_category):
    politics = make_category(name_ar="سياسة", name_fr="Politique", slug="politique")
    tag = Tag.objects.create(name_ar="البرلمان", name_fr="Parlement")
    both = make_article(
        title_ar="البرلمان يصادق على القانون",
        lead_ar="صادق مجلس النواب على مشروع القانون.",
        title_fr="Le Parlement adopte la loi",
        lead_fr="La Chambre des représentants a adopté le projet de loi.",
        category=politics,
        byline="سعيد الصحفي",
        published_at=timezone.now() - datetime.timedelta(hours=1),
    )
    both.tags.add(tag, through_defaults={"article_published_at": both.published_at})
    arabic_only = make_article(
        title_ar="خبر بالعربية فقط", published_at=timezone.now() - datetime.timedelta(hours=2)
    )
    old = make_article(title_ar="خبر قديم", published_at=timezone.now() - datetime.timedelta(days=5))
    make_article(title_ar="مسودة", status=Article.Status.DRAFT)
    make_article(title_ar="مبرمج", published_at=timezone.now() + datetime.timedelta(hours=1))
    return {"both": both, "arabic_only": arabic_only, "old": old, "politics": politics}


def test_rss_feed_lists_published_articles_newest_first_with_their_fields(client, news):
    channel = parse(client.get("/feeds/rss/")).find("channel")
    assert channel.findtext("title") == "كواليس اليوم"
    assert channel.findtext("language") == "ar"
    assert channel.findtext("link") == "http://127.0.0.1:8000/"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == [
        "البرلمان يصادق على القانون",
        "خبر بالعربية فقط",
        "خبر قديم",
    ]
    first = items[0]
    assert first.findtext("link") == f"http://127.0.0.1:8000{news['both'].get_absolute_url()}"
    assert first.findtext("description") == "صادق مجلس النواب على مشروع القانون."
    assert first.findtext("dc:creator", namespaces=NS) == "سعيد الصحفي"
    assert [c.text for c in first.findall("category")] == ["سياسة", "البرلمان"]
    assert parsedate_to_datetime(first.findtext("pubDate")) == news["both"].published_at.replace(
        microsecond=0
    )
    guid = first.find("guid")
    assert guid.text.endswith(f"/article/{news['both'].pk}/")
    assert guid.get("isPermaLink") == "false"


def test_french_atom_feed_has_only_french_translations(client, news):
    feed = parse(client.get("/fr/feeds/atom/"))
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    entries = feed.findall("atom:entry", NS)
    assert [entry.findtext("atom:title", namespaces=NS) for entry in entries] == [
        "Le Parlement adopte la loi"
    ]
    entry = entries[0]
    assert entry.find("atom:link", NS).get("href").startswith("http://127.0.0.1:8000/fr/article/")
    assert (
        entry.findtext("atom:summary", namespaces=NS)
        == "La Chambre des représentants a adopté le projet de loi."
    )
    assert (
        datetime.datetime.fromisoformat(entry.findtext("atom:published", namespaces=NS))
        == news["both"].published_at
    )
    assert entry.findtext("atom:author/atom:name", namespaces=NS) == "سعيد الصحفي"


def test_category_feeds_list_only_that_category(client, news):
    rss = parse(client.get("/category/politique/feeds/rss/")).find("channel")
    assert [item.findtext("title") for item in rss.findall("item")] == ["البرلمان يصادق على القانون"]
    assert rss.findtext("title").startswith("سياسة")
    atom = parse(client.get("/fr/category/politique/feeds/atom/"))
    assert len(atom.findall("atom:entry", NS)) == 1


def test_unknown_category_feed_is_404(client, db):
    assert client.get("/category/nothing/feeds/rss/").status_code == 404


def test_rss_feed_carries_the_featured_image_as_an_enclosure(client, make_article):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from articles.tests.test_see_also import jpeg_bytes

    article = make_article()
    article.image = SimpleUploadedFile("photo.jpg", jpeg_bytes(60, 40), content_type="image/jpeg")
    article.save()
    enclosure = parse(client.get("/feeds/rss/")).find("channel/item/enclosure")
    assert enclosure.get("url") == f"http://127.0.0.1:8000{article.image.url}"
    assert enclosure.get("type") == "image/jpeg"
    assert int(enclosure.get("length")) == article.image.size


def test_sitemap_index_points_at_its_sections(client, news):
    index = parse(client.get("/sitemap.xml"))
    locations = [loc.text for loc in index.findall("sm:sitemap/sm:loc", NS)]
    assert locations == [
        "http://127.0.0.1:8000/sitemap-articles.xml",
        "http://127.0.0.1:8000/sitemap-categories.xml",
        "http://127.0.0.1:8000/sitemap-tags.xml",
        "http://127.0.0.1:8000/sitemap-authors.xml",
    ]


def test_article_sitemap_has_each_translation_with_hreflang_alternates_it_really_has(client, news):
    urlset = parse(client.get("/sitemap-articles.xml"))
    entries = {url.findtext("sm:loc", namespaces=NS): url for url in urlset.findall("sm:url", NS)}
    both, arabic_only = news["both"], news["arabic_only"]
    arabic_url = f"http://127.0.0.1:8000{both.get_absolute_url()}"
    french_url = f"http://127.0.0.1:8000/fr{both.get_absolute_url()}"
    assert arabic_url in entries and french_url in entries
    assert f"http://127.0.0.1:8000/en{both.get_absolute_url()}" not in entries
    alternates = {
        link.get("hreflang"): link.get("href") for link in entries[arabic_url].findall("xhtml:link", NS)
    }
    assert alternates == {"ar": arabic_url, "fr": french_url, "x-default": arabic_url}
    only = f"http://127.0.0.1:8000{arabic_only.get_absolute_url()}"
    assert {link.get("hreflang") for link in entries[only].findall("xhtml:link", NS)} == {"ar", "x-default"}
    assert f"http://127.0.0.1:8000/fr{arabic_only.get_absolute_url()}" not in entries
    assert entries[arabic_url].findtext("sm:lastmod", namespaces=NS) == timezone.localtime(
        both.updated_at
    ).strftime("%Y-%m-%d")
    titles = {url for url in entries if "مسودة" in url or "مبرمج" in url}
    assert not titles
    assert len(entries) == 4  # both (ar, fr), arabic_only, old: no draft, no scheduled


def test_article_sitemap_pages_are_read_a_page_at_a_time_and_cover_every_entry_once(
    client, make_article, monkeypatch
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 3)
    articles = [make_article(title_fr=f"Article {n}" if n % 2 else "") for n in range(7)]
    expected = {f"http://127.0.0.1:8000{a.get_absolute_url()}" for a in articles} | {
        f"http://127.0.0.1:8000/fr{a.get_absolute_url()}" for a in articles if a.title_fr
    }
    index = parse(client.get("/sitemap.xml"))
    pages = [loc.text for loc in index.findall("sm:sitemap/sm:loc", NS) if "articles" in loc.text]
    assert len(pages) == 4  # 7 Arabic + 3 French entries, 3 a page

    seen = []
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            urlset = parse(client.get(page.replace("http://127.0.0.1:8000", "")))
        seen += [url.findtext("sm:loc", namespaces=NS) for url in urlset.findall("sm:url", NS)]
        # A COUNT per language, then per language on the page its article numbers (a LIMIT
        # from the index) and the rows of those numbers: never the whole archive.
        sql = [q["sql"] for q in queries.captured_queries]
        assert len(sql) <= 3 + 2 * 2, [statement[:80] for statement in sql]
        assert all(
            "LIMIT" in statement or " IN (" in statement for statement in sql if "COUNT" not in statement
        )
    assert sorted(seen) == sorted(expected)


def test_article_sitemap_pages_start_at_their_first_entry_and_follow_publications(make_article, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 3)
    articles = [make_article(title_fr=f"Article {n}" if n % 2 else "") for n in range(7)]

    def walk():
        paginator = ArticleSitemap().paginator
        pages = [list(paginator.page(number).object_list) for number in paginator.page_range]
        return [(article.pk, language) for page in pages for article, language in page]

    def expected():
        return sorted([(a.pk, "ar") for a in articles] + [(a.pk, "fr") for a in articles if a.title_fr])

    assert sorted(walk()) == expected()
    articles.append(make_article(title_fr="Nouveau", published_at=timezone.now()))  # newest
    assert sorted(walk()) == expected()  # every page moved by one: starts read again
    oldest = min(articles, key=lambda article: article.published_at)
    oldest.published_at = timezone.now()
    oldest.save()  # the same counts, another order
    assert sorted(walk()) == expected()

    with CaptureQueriesContext(connection) as queries:
        again = walk()

    # Kept counts and starts: each page reads its rows from its first entry, no OFFSET.
    assert sorted(again) == expected()
    sql = [query["sql"] for query in queries.captured_queries]
    assert len(sql) == 5  # 8 Arabic + 4 French entries: pages 1-3 Arabic, 3 both, 4 French
    assert not [statement for statement in sql if "OFFSET" in statement or "COUNT" in statement]


def test_sitemap_index_last_change_is_the_newest_update_of_a_published_article(client, make_article):
    old = make_article(title_ar="خبر قديم", published_at=timezone.now() - datetime.timedelta(days=30))
    make_article(title_ar="خبر جديد")
    old.title_ar = "خبر قديم مصحح"
    old.save()  # the old article changed last
    draft = make_article(title_ar="مسودة", status=Article.Status.DRAFT)
    later = timezone.now() + datetime.timedelta(hours=1)
    Article.objects.filter(pk=draft.pk).update(updated_at=later)  # a draft's change is not the site's
    old.refresh_from_db()

    index = parse(client.get("/sitemap.xml"))

    lastmods = {element.text for element in index.findall("sm:sitemap/sm:lastmod", NS) if element.text}
    shown = {datetime.datetime.fromisoformat(value.replace("Z", "+00:00")) for value in lastmods}
    assert old.updated_at.replace(microsecond=0) in {value.replace(microsecond=0) for value in shown}
    assert max(shown) < later


def test_news_sitemap_lists_the_last_two_days_with_publication_fields(client, news):
    urlset = parse(client.get("/news-sitemap.xml"))
    urls = urlset.findall("sm:url", NS)
    rows = [
        (
            url.findtext("sm:loc", namespaces=NS),
            url.findtext("news:news/news:title", namespaces=NS),
            url.findtext("news:news/news:publication/news:language", namespaces=NS),
            url.findtext("news:news/news:publication/news:name", namespaces=NS),
            url.findtext("news:news/news:publication_date", namespaces=NS),
        )
        for url in urls
    ]
    both = news["both"]
    assert [row[1] for row in rows] == [
        "البرلمان يصادق على القانون",
        "Le Parlement adopte la loi",
        "خبر بالعربية فقط",
    ]
    assert rows[1][0] == f"http://127.0.0.1:8000/fr{both.get_absolute_url()}"
    assert [row[2] for row in rows] == ["ar", "fr", "ar"]
    assert {row[3] for row in rows} == {"كواليس اليوم"}
    assert datetime.datetime.fromisoformat(rows[0][4]) == both.published_at


def test_robots_txt_points_at_the_sitemaps_and_keeps_crawlers_out_of_admin(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in lines
    assert "Sitemap: http://127.0.0.1:8000/news-sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert "User-agent: *" in lines


def test_sitemaps_escape_titles_and_stay_well_formed(client, make_article):
    make_article(title_ar='عنوان <b>& "خاص"</b> ]]>')
    urlset = parse(client.get("/news-sitemap.xml"))
    assert urlset.findtext("sm:url/news:news/news:title", namespaces=NS) == 'عنوان <b>& "خاص"</b> ]]>'


def test_pages_announce_the_feeds(client, news):
    html = client.get("/category/politique/").content.decode()
    assert '<link rel="alternate" type="application/rss+xml"' in html
    assert 'href="/category/politique/feeds/rss/"' in html
    assert 'href="/feeds/atom/"' in html


ADDRESSED = ["/feeds/rss/", "/fr/feeds/atom/", "/sitemap.xml", "/sitemap-articles.xml", "/news-sitemap.xml"]


@pytest.mark.parametrize("path", [*ADDRESSED, "/robots.txt"])
def test_feeds_sitemaps_and_robots_name_site_url_whatever_host_was_asked(client, news, path):
    asked = [
        client.get(path).content.decode(),
        client.get(path, HTTP_HOST="localhost").content.decode(),
        client.get(path, HTTP_HOST="127.0.0.1:31337", HTTP_X_FORWARDED_PROTO="https").content.decode(),
    ]
    assert asked[0] == asked[1] == asked[2]
    assert "http://127.0.0.1:8000/" in asked[0]
    assert "localhost" not in asked[0] and "31337" not in asked[0] and "testserver" not in asked[0]


# --- sitemaps in the readers' cache ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/sitemap.xml", "/sitemap-articles.xml", "/news-sitemap.xml"])
def test_a_sitemap_read_again_costs_no_query_and_keeps_its_headers(
    client, news, path, django_assert_num_queries
):
    first = client.get(path)

    with django_assert_num_queries(0):
        again = client.get(path)

    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/xml"
    assert again["X-Robots-Tag"] == first["X-Robots-Tag"] == "noindex, noodp, noarchive"


def test_a_stored_sitemap_keeps_its_last_modified_for_conditional_requests(client, news):
    first = client.get("/sitemap-articles.xml")

    again = client.get("/sitemap-articles.xml")

    assert "Last-Modified" in first
    assert again["Last-Modified"] == first["Last-Modified"]


def test_a_moved_article_shows_at_its_new_address_in_the_stored_sitemap(client, news):
    client.get("/sitemap-articles.xml")
    article = news["arabic_only"]
    article.slug = "عنوان-جديد"
    article.save()

    locations = [loc.text for loc in parse(client.get("/sitemap-articles.xml")).findall("sm:url/sm:loc", NS)]

    assert f"http://127.0.0.1:8000{article.get_absolute_url()}" in locations
    assert not [location for location in locations if "%D8%AE%D8%A8%D8%B1-%D8%A8" in location]


def test_a_newly_published_article_appears_in_the_stored_sitemaps(client, news):
    client.get("/sitemap-articles.xml"), client.get("/news-sitemap.xml")
    draft = Article.objects.get(title_ar="مسودة")
    draft.status = Article.Status.PUBLISHED
    draft.published_at = timezone.now()
    draft.save()

    articles = client.get("/sitemap-articles.xml").content.decode()
    news_sitemap = client.get("/news-sitemap.xml").content.decode()

    assert draft.get_absolute_url() in articles
    assert draft.get_absolute_url() in news_sitemap


def test_a_new_section_appears_in_the_stored_sitemap(client, news, make_category):
    client.get("/sitemap-categories.xml")

    section = make_category(slug="sport")

    assert section.get_absolute_url() in client.get("/sitemap-categories.xml").content.decode()


def test_each_page_of_a_sitemap_is_stored_apart_and_odd_page_numbers_are_404(client, news, monkeypatch):
    from articles.sitemaps import ArticleSitemap

    monkeypatch.setattr(ArticleSitemap, "limit", 1)
    first, second = client.get("/sitemap-articles.xml"), client.get("/sitemap-articles.xml?p=2")

    assert first.status_code == second.status_code == 200
    assert first.content != second.content
    assert client.get("/sitemap-articles.xml?p=2").content == second.content
    assert client.get("/sitemap-articles.xml?p=02").status_code == 404
    assert client.get("/sitemap-articles.xml?p=abc").status_code == 404
    assert client.get("/sitemap-articles.xml?p=999").status_code == 404


def test_article_sitemap_counts_are_kept_and_follow_publications(make_article):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from articles.sitemaps import ArticleSitemap

    make_article(title_fr="Premier")
    assert ArticleSitemap().paginator.count == 2  # Arabic and French
    with CaptureQueriesContext(connection) as again:
        assert ArticleSitemap().paginator.count == 2
    draft = make_article(status=Article.Status.DRAFT, title_en="Draft")

    draft.status = Article.Status.PUBLISHED
    draft.save()

    assert not [query for query in again.captured_queries if "COUNT" in query["sql"]]
    assert ArticleSitemap().paginator.count == 4  # and its Arabic and English entries


def test_article_sitemap_addresses_are_those_django_reverses_in_each_language(make_article):
    from django.contrib.sitemaps import Sitemap as DjangoSitemap

    from articles.sitemaps import ArticleSitemap

    make_article(title_ar="خبر", slug="خبر-عاجل_2", title_fr="Info", title_en="News")
    make_article(title_ar="آخر", slug="plain-slug", title_fr="Autre")
    ours, djangos = ArticleSitemap(), ArticleSitemap()
    # Django's: each address reversed in its language, from the article itself.
    djangos._location = lambda item, force=None: DjangoSitemap._location(djangos, item, force)
    djangos.location = lambda listed: Article.objects.get(pk=listed.pk).get_absolute_url()
    djangos.get_languages_for_item = lambda listed: Article.objects.get(pk=listed.pk).languages

    def addresses(sitemap):
        return [(url["location"], url["alternates"]) for url in sitemap.get_urls(1)]

    assert addresses(ours) == addresses(djangos)
    assert any("/fr/article/" in location for location, _alternates in addresses(ours))
    assert any("%D8%AE%D8%A8%D8%B1-" in location for location, _alternates in addresses(ours))
