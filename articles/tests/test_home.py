from articles.models import Article


def test_home_lists_published_articles_newest_first(client, make_article):
    older = make_article(title_ar="الأقدم")
    make_article(title_ar="الأحدث")
    older.published_at = older.published_at.replace(year=older.published_at.year - 1)
    older.save()
    make_article(title_ar="مسودة", status=Article.Status.DRAFT)
    html = client.get("/").content.decode()
    assert html.index("الأحدث") < html.index("الأقدم")
    assert "مسودة" not in html


def test_bad_page_numbers_answer_not_found_and_are_not_stored(client, make_article):
    from kawalis.readercache.pages import page_key, worker_copies

    make_article()
    for value in ["abc", "-1", "0", "02", "999999", "1" * 50, "%00", "1.0"]:
        response = client.get("/", {"page": value})
        assert response.status_code == 404, value
        assert page_key("ar", response.wsgi_request) not in worker_copies
    assert client.get("/", {"page": "1"}).status_code == 200


def test_french_home_lists_only_articles_translated_to_french(client, make_article):
    make_article(title_ar="عربي فقط")
    make_article(title_ar="مترجم", title_fr="Traduit", body_fr="<p>Texte</p>")
    html = client.get("/fr/").content.decode()
    assert "Traduit" in html
    assert "عربي فقط" not in html


def test_category_page_lists_its_articles(client, make_article, make_category):
    news = make_category(slug="news")
    make_article(title_ar="في القسم", category=news)
    make_article(title_ar="خارج القسم")
    html = client.get("/category/news/").content.decode()
    assert "في القسم" in html
    assert "خارج القسم" not in html


def test_unknown_category_is_404(client, db):
    assert client.get("/category/nope/").status_code == 404


def test_lists_are_read_a_page_at_a_time_without_counting_the_archive(
    client, make_article, make_category, settings
):
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.ARTICLES_PER_PAGE, settings.READER_CACHE_SECONDS = 2, 0  # every part read afresh
    section = make_category(slug="sport")
    for n in range(5):
        make_article(title_ar=f"خبر رياضي {n}", category=section)
        Article.objects.filter(title_ar=f"خبر رياضي {n}").update(
            published_at=datetime.datetime(2026, 1, 10 - n, tzinfo=datetime.timezone.utc)
        )
    for path in ("/", "/category/sport/"):
        with CaptureQueriesContext(connection) as queries:
            first = client.get(path).content.decode()
        middle = client.get(path, {"page": "2"}).content.decode()
        last = client.get(path, {"page": "3"}).content.decode()

        assert not [query["sql"] for query in queries if "COUNT(" in query["sql"].upper()], path
        assert "خبر رياضي 0" in first and "خبر رياضي 2" in middle and "خبر رياضي 4" in last
        assert 'rel="next" href="?page=2"' in first and 'rel="prev"' not in first
        assert 'rel="prev" href="?page=1"' in middle and 'rel="next" href="?page=3"' in middle
        assert "الصفحة 3" in last and 'rel="next"' not in last
        assert client.get(path, {"page": "4"}).status_code == 404
