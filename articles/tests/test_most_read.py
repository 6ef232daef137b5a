"""Most read ("الأكثر قراءة"): counting views cheaply and fairly, flushing them, the lists."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import ArticleViewCount
from articles.popularity import current_hour, flush_view_counts

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
NOON = datetime.datetime(2026, 11, 29, 12, 30, tzinfo=datetime.timezone.utc)


def read(client, article, ip="198.51.100.7", user_agent=BROWSER):
    response = client.get(article.get_absolute_url(), REMOTE_ADDR=ip, HTTP_USER_AGENT=user_agent)
    assert response.status_code == 200
    return response


def flushed_views(article):
    return sum(ArticleViewCount.objects.filter(article=article).values_list("views", flat=True))


def most_read_section(html, period):
    start = html.find(f'class="most-read-period most-read-{period}"')
    if start == -1:
        return ""
    return html[start : html.index("</section>", start)]


def test_reader_view_writes_nothing_to_the_database(client, make_article):
    article = make_article()

    with CaptureQueriesContext(connection) as queries:
        read(client, article)

    writes = [
        q["sql"] for q in queries.captured_queries if q["sql"].split()[0].upper() in {"INSERT", "UPDATE"}
    ]
    assert writes == []
    assert flushed_views(article) == 0
    assert flush_view_counts() == 1
    assert flushed_views(article) == 1


def test_counts_are_correct_after_a_flush(client, make_article):
    article, other = make_article(), make_article()
    for n in range(3):
        read(client, article, ip=f"198.51.100.{n}")
    read(client, other)

    assert flush_view_counts() == 4
    assert (flushed_views(article), flushed_views(other)) == (3, 1)

    read(client, article, ip="198.51.100.99")
    assert flush_view_counts() == 1
    assert flush_view_counts() == 0  # nothing counted twice
    assert flushed_views(article) == 4


def test_repeated_reloads_by_one_reader_count_once(client, make_article):
    article = make_article()
    for _ in range(5):
        read(client, article)
    read(client, article, ip="203.0.113.5")  # another reader

    flush_view_counts()
    assert flushed_views(article) == 2


# The embedded default's cache (one SQLite file) expires entries by Python's clock, as local
# memory did; Redis by its own.
LOCAL_MEMORY_CACHE = "redis" not in settings.CACHES["default"]["BACKEND"]


def cache_contents():
    """Every key and value in the cache, as text (the embedded default's file or Redis)."""
    if hasattr(getattr(cache, "_cache", None), "get_client"):
        client = cache._cache.get_client()
        return repr({key: client.get(key) for key in client.scan_iter("*")})
    return repr(cache._db().execute("SELECT key, value FROM cache").fetchall())


@pytest.mark.skipif(
    not LOCAL_MEMORY_CACHE, reason="Redis expires keys by its own clock, which a frozen clock cannot move"
)
def test_reload_after_the_repeat_window_counts_again(client, make_article, settings):
    settings.VIEW_REPEAT_SECONDS = 60
    with time_machine.travel(NOON, tick=False) as clock:
        article = make_article()
        read(client, article)
        clock.move_to(NOON + datetime.timedelta(seconds=61))
        read(client, article)

        flush_view_counts()
    assert flushed_views(article) == 2


def test_staff_views_are_not_counted(client, make_article, editor_user):
    article = make_article()
    client.force_login(editor_user)

    read(client, article)

    assert flush_view_counts() == 0


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "WhatsApp/2.23.20.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/130.0",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "",
    ],
)
def test_bots_are_not_counted(client, make_article, user_agent):
    article = make_article()

    read(client, article, user_agent=user_agent)

    assert flush_view_counts() == 0


def test_counting_stores_no_personal_data(client, make_article):
    article = make_article()
    ip = "198.51.100.123"

    read(client, article, ip=ip)

    stored = cache_contents()
    assert ip not in stored
    assert "Chrome/130.0" not in stored
    flush_view_counts()
    row = ArticleViewCount.objects.get()
    assert {f.name for f in row._meta.fields} == {"id", "article", "hour", "views"}


def test_views_are_not_counted_when_counting_is_off(client, make_article, settings):
    settings.VIEW_COUNTING = False
    article = make_article()

    read(client, article)

    assert flush_view_counts() == 0


def test_flush_command_reports_what_it_wrote(client, make_article, capsys):
    article = make_article()
    read(client, article)

    call_command("flush_view_counts")

    assert "1 view(s) written." in capsys.readouterr().out
    assert flushed_views(article) == 1


def test_most_read_lists_the_last_24_hours_and_the_last_7_days(client, make_article):
    with time_machine.travel(NOON, tick=False):
        now = timezone.now()
        today_top = make_article(title_ar="الأكثر قراءة اليوم")
        today_second = make_article(title_ar="الثاني اليوم")
        this_week = make_article(title_ar="مقروء قبل ثلاثة أيام")
        old = make_article(title_ar="مقروء قبل شهر")
        ArticleViewCount.objects.create(article=today_top, hour=current_hour(now), views=50)
        ArticleViewCount.objects.create(
            article=today_second, hour=current_hour(now) - datetime.timedelta(hours=3), views=20
        )
        ArticleViewCount.objects.create(
            article=this_week, hour=current_hour(now) - datetime.timedelta(days=3), views=500
        )
        ArticleViewCount.objects.create(
            article=old, hour=current_hour(now) - datetime.timedelta(days=30), views=9000
        )

        for url in ["/", today_top.get_absolute_url()]:
            html = client.get(url).content.decode()
            day, week = most_read_section(html, "day"), most_read_section(html, "week")

            assert day.index("الأكثر قراءة اليوم") < day.index("الثاني اليوم")
            assert "مقروء قبل ثلاثة أيام" not in day
            assert week.index("مقروء قبل ثلاثة أيام") < week.index("الأكثر قراءة اليوم")
            assert "مقروء قبل شهر" not in day + week


def test_both_lists_come_from_one_query_each_ranked_by_its_own_window(make_article):
    from articles.models import Article
    from articles.popularity import most_read_lists

    now = timezone.now()
    week_heavy = [make_article(title_ar=f"قديم مقروء {n}") for n in range(3)]
    day_light = [make_article(title_ar=f"جديد {n}") for n in range(3)]
    for n, article in enumerate(week_heavy):
        ArticleViewCount.objects.create(
            article=article, hour=current_hour(now) - datetime.timedelta(days=2), views=1000 - n
        )
    for n, article in enumerate(day_light):
        ArticleViewCount.objects.create(article=article, hour=current_hour(now), views=10 - n)
    ArticleViewCount.objects.create(
        article=day_light[2], hour=current_hour(now) - datetime.timedelta(days=3), views=5
    )

    with CaptureQueriesContext(connection) as queries:
        lists = Article.objects.published().most_read_in_windows(
            {
                "day": current_hour(now - datetime.timedelta(hours=24)),
                "week": current_hour(now - datetime.timedelta(days=7)),
            },
            2,
        )

    assert len(queries) == 1
    # Today's readers never reach the week's top two, yet they make the day's list.
    assert [(a.pk, a.recent_views) for a in lists["day"]] == [(day_light[0].pk, 10), (day_light[1].pk, 9)]
    assert [(a.pk, a.recent_views) for a in lists["week"]] == [
        (week_heavy[0].pk, 1000),
        (week_heavy[1].pk, 999),
    ]
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        most_read_lists("ar")
    assert len(queries) == 1


def test_a_flush_makes_cached_pages_stale_only_when_a_list_changes(client, make_article):
    from articles.popularity import buffer_view
    from kawalis.readercache.testing import tag_versions

    first, second = make_article(title_ar="الأول"), make_article(title_ar="الثاني")
    buffer_view(first.pk, 10)
    buffer_view(second.pk, 5)
    flush_view_counts()
    version = tag_versions("most-read")

    buffer_view(first.pk, 3)  # more views, same order: readers would see the same lists
    assert flush_view_counts() == 3
    assert tag_versions("most-read") == version

    buffer_view(second.pk, 20)  # the second overtakes the first: the lists change
    flush_view_counts()
    assert tag_versions("most-read") != version
    day = most_read_section(client.get("/").content.decode(), "day")
    assert day.index("الثاني") < day.index("الأول")


def test_most_read_shows_only_articles_readers_may_see(client, make_article):
    draft = make_article(title_ar="مسودة كثيرة القراءة", status="draft")
    ArticleViewCount.objects.create(article=draft, hour=current_hour(), views=99)

    assert "مسودة كثيرة القراءة" not in client.get("/").content.decode()


def test_most_read_block_is_cached_and_refreshed_by_a_flush(client, make_article):
    article = make_article(title_ar="مقال جديد مقروء")
    client.get("/")  # the (empty) lists are now cached
    with CaptureQueriesContext(connection) as queries:
        client.get("/")
    assert not [q for q in queries.captured_queries if "articleviewcount" in q["sql"].lower()]

    read(client, article)
    flush_view_counts()

    assert "مقال جديد مقروء" in most_read_section(client.get("/").content.decode(), "day")


def test_admin_article_list_shows_view_counts(client, make_article, editor_user):
    article = make_article()
    ArticleViewCount.objects.create(article=article, hour=current_hour(), views=7)
    ArticleViewCount.objects.create(
        article=article, hour=current_hour() - datetime.timedelta(days=10), views=100
    )
    client.force_login(editor_user)

    response = client.get("/en/admin/articles/article/")

    html = response.content.decode()
    assert "Views (7 days)" in html and "Views (total)" in html
    assert '<td class="field-views_last_7_days">7</td>' in html
    assert '<td class="field-views_all_time">107</td>' in html


def test_readers_behind_the_sites_proxy_are_told_apart_by_their_own_address(client, make_article, settings):
    settings.BEHIND_PROXY = True
    article = make_article()
    proxy = "10.0.0.2"

    for reader in ["198.51.100.1", "198.51.100.2", "198.51.100.1"]:
        client.get(
            article.get_absolute_url(),
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=reader,
            HTTP_USER_AGENT=BROWSER,
            secure=True,
        )

    assert flush_view_counts() == 2


# --- behind a cache in front: the page's beacon ---------------------------------------------------


def beacon_of(client, article):
    page = read(client, article).content.decode()
    return page.split('data-url="', 1)[1].split('"', 1)[0]


def test_behind_a_front_cache_the_beacon_counts_each_reader_once(client, make_article, settings):
    settings.FRONTEND_CACHE = ["http://127.0.0.1:9/"]
    settings.FRONTEND_PURGE_REPEAT_SECONDS = 0
    article = make_article()
    beacon = beacon_of(client, article)  # this reader's view, counted by the page itself
    same_site = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver", "User-Agent": BROWSER}
    for ip in ("198.51.100.7", "198.51.100.7", "198.51.100.8", "198.51.100.9"):
        # What the front answered without asking the site: the beacon says so.
        response = client.post(beacon, headers=same_site, REMOTE_ADDR=ip)
        assert response.status_code == 204
        assert response["Cache-Control"] == "private, no-store"
    assert flush_view_counts() == 3  # three readers; the first one's beacon repeated its page view


def test_a_beacon_the_site_did_not_make_counts_nothing(client, make_article, settings):
    settings.FRONTEND_CACHE = ["http://127.0.0.1:9/"]
    article = make_article()
    beacon = beacon_of(client, article)
    flush_view_counts()
    forged = beacon.replace(f"/views/{article.pk}:", f"/views/{article.pk + 1}:")
    assert client.post(forged, HTTP_USER_AGENT=BROWSER).status_code == 404
    assert client.get(beacon, HTTP_USER_AGENT=BROWSER).status_code == 405  # a link followed counts nothing
    cross_site = client.post(beacon, headers={"Sec-Fetch-Site": "cross-site", "User-Agent": BROWSER})
    assert cross_site.status_code == 403
    assert client.post(beacon, HTTP_USER_AGENT="Googlebot/2.1").status_code == 204
    assert flush_view_counts() == 0
