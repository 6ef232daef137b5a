"""Redis is an accelerator: stopped or frozen, the site serves readers from the database.

Each test runs the site on a Redis server of its own (kawalis/tests/redis_server.py), which it
stops (connections refused), freezes (SIGSTOP: connections accepted, nothing answers) and brings
back, through the real cache backend, its timeouts and its circuit breaker.
"""

import logging
import time

import pytest
from django.core.cache import cache

from kawalis.readercache import pages, store
from kawalis.readercache.store import get_store
from kawalis.redis_cache import breaker_for

from .redis_server import RedisServer, redis_server_binary

pytestmark = [
    pytest.mark.skipif(redis_server_binary() is None, reason="redis-server is not installed"),
    pytest.mark.django_db,
]

READER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "REMOTE_ADDR": "192.0.2.10"}


@pytest.fixture
def redis_server(settings):
    """The site's cache on a Redis server of this test's own, which the test may stop or freeze."""
    server = RedisServer().start()
    original = settings.CACHES
    backend = "kawalis.redis_cache.RedisCache"
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": server.url, "KEY_PREFIX": "outage"}}
    settings.REDIS_BREAKER_SECONDS = 1.0
    get_store.cache_clear()
    pages.worker_copies.clear()
    store._paused_logged.clear()  # each test sees the first "paused" line of its own outage
    try:
        yield server
    finally:
        settings.CACHES = original  # before the server goes: the suite's own cache is cleared next
        server.stop()
        get_store.cache_clear()
        pages.worker_copies.clear()


def breaker(server):
    return breaker_for(f"127.0.0.1:{server.port}")


def stored_keys(server):
    import redis

    return redis.Redis(port=server.port, socket_timeout=2).keys("outage:*")


def wait_until(condition, timeout=10.0):
    """Poll ``condition()`` until true: what the breaker waits for is the clock, nothing else."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def timed_get(client, url):
    started = time.perf_counter()
    response = client.get(url, **READER)
    return response, time.perf_counter() - started


def test_reader_pages_render_from_the_database_while_redis_is_down(client, redis_server, make_article):
    article = make_article(title_ar="مقال يقرأ بلا ذاكرة مؤقتة")
    assert client.get(article.get_absolute_url(), **READER).status_code == 200  # cached in Redis
    assert stored_keys(redis_server)

    redis_server.stop()
    home = client.get("/", **READER)
    detail = client.get(article.get_absolute_url(), **READER)
    french = client.get(f"/fr{article.get_absolute_url()}", **READER)

    assert home.status_code == 200
    assert detail.status_code == 200
    assert "مقال يقرأ بلا ذاكرة مؤقتة" in detail.content.decode()
    assert french.status_code in {200, 301, 302}
    assert breaker(redis_server).is_open


def test_with_redis_frozen_each_request_after_the_first_failures_takes_under_half_a_second(
    client, redis_server, make_article, settings
):
    article = make_article()
    url = article.get_absolute_url()
    client.get(url, **READER)
    client.get("/", **READER)

    redis_server.freeze()
    first, first_seconds = timed_get(client, url)
    later = [timed_get(client, path) for _round in range(15) for path in (url, "/")]
    # Past the breaker's period: requests try Redis again, each at most one timeout long.
    time.sleep(settings.REDIS_BREAKER_SECONDS)
    after_the_period = [timed_get(client, path) for path in (url, "/", url)]

    assert first.status_code == 200
    assert first_seconds < 2.0  # a few timeouts of REDIS_SOCKET_TIMEOUT, not redis-py's seconds
    assert all(response.status_code == 200 for response, _seconds in later + after_the_period)
    slowest = max(seconds for _response, seconds in later + after_the_period)
    assert slowest < 0.5, f"slowest request while frozen: {slowest:.3f} s"
    assert breaker(redis_server).is_open


def test_the_site_uses_redis_again_by_itself_once_it_returns(client, redis_server, make_article):
    article = make_article()
    url = article.get_absolute_url()
    redis_server.stop()
    assert client.get(url, **READER).status_code == 200
    assert breaker(redis_server).is_open

    redis_server.start()  # a new, empty Redis on the same port

    def page_stored_again():
        return client.get(url, **READER).status_code == 200 and bool(stored_keys(redis_server))

    assert wait_until(page_stored_again)
    assert not breaker(redis_server).is_open
    assert client.get(url, **READER).status_code == 200


def test_a_frozen_redis_that_thaws_is_used_again(client, redis_server, make_article):
    article = make_article()
    url = article.get_absolute_url()
    redis_server.freeze()
    client.get(url, **READER)
    assert breaker(redis_server).is_open

    redis_server.thaw()

    def served_with_redis():
        return client.get(url, **READER).status_code == 200 and not breaker(redis_server).is_open

    assert wait_until(served_with_redis)


def test_a_change_made_while_redis_was_frozen_shows_once_it_returns(client, redis_server, make_article):
    article = make_article(title_ar="العنوان الأول")
    url = article.get_absolute_url()
    client.get(url, **READER)  # the page stored in Redis, under the old title
    redis_server.freeze()

    article.title_ar = "العنوان المصحح"
    article.save()  # its invalidation cannot reach Redis
    redis_server.thaw()

    assert wait_until(lambda: not breaker(redis_server).is_open and "العنوان المصحح" in _page(client, url))
    assert "العنوان الأول" not in _page(client, url)


def _page(client, url):
    return client.get(url, **READER).content.decode()


def test_staff_sessions_work_while_redis_is_down(client, redis_server, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="pw-editor-1", is_staff=True)
    redis_server.stop()

    client.force_login(editor)  # the session is written to the database; the cache is away
    response = client.get("/admin/")

    assert response.status_code == 200
    assert "editor" in response.content.decode()


def test_a_sign_out_during_the_outage_is_not_undone_by_the_cached_session(
    client, redis_server, django_user_model
):
    editor = django_user_model.objects.create_user("editor", password="pw-editor-1", is_staff=True)
    client.force_login(editor)
    assert client.get("/admin/").status_code == 200  # the session now also cached in Redis
    old_session = client.cookies["sessionid"].value
    redis_server.freeze()

    client.post("/admin/logout/")  # deleted from the database; the cache could not be told
    redis_server.thaw()
    assert wait_until(lambda: cache.get("any-key") is None and not breaker(redis_server).is_open)
    client.cookies["sessionid"] = old_session
    response = client.get("/admin/")

    assert response.status_code == 302  # to the sign-in page: the old session is gone
    assert "/login/" in response["Location"]


def test_rate_limits_still_refuse_a_flood_while_redis_is_down(redis_server, caplog):
    from kawalis.ratelimit import Limit

    limit = Limit("outage-test", window=600, per_address=3)
    redis_server.stop()

    with caplog.at_level(logging.WARNING):
        results = [limit.hit("192.0.2.44").allowed for _attempt in range(5)]

    assert results == [True, True, True, False, False]
    assert "rate limits are counted in each web process" in caplog.text


def test_view_counting_pauses_with_a_log_line_while_redis_is_down(client, redis_server, make_article, caplog):
    article = make_article()
    redis_server.stop()

    with caplog.at_level(logging.WARNING):
        response = client.get(article.get_absolute_url(), **READER)

    assert response.status_code == 200
    assert "Article views are not counted while Redis is unavailable" in caplog.text
    assert "is unavailable" in caplog.text  # the breaker's own line when it opened
