"""The Redis cache keeps one client object per connection pool (Django builds one per call)."""

import pytest
from django.conf import settings
from django.core.cache import cache

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no Redis to test")


def test_cache_calls_share_one_redis_client():
    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is client
    assert cache._cache.get_client("c", write=True) is client  # one server: one pool for both


def test_shared_client_reads_and_writes():
    cache.set("kawalis-test-key", {"n": 1}, 30)
    assert cache.get("kawalis-test-key") == {"n": 1}
    assert cache.add("kawalis-test-counter", 1, 30)
    assert cache.incr("kawalis-test-counter") == 2
    cache.delete_many(["kawalis-test-key", "kawalis-test-counter"])


@pytest.fixture
def redis_commands():
    """Every command the site sends to Redis, by name, while the test runs (on any connection:
    the readers' cache runs its scripts on a connection of its own)."""
    from unittest import mock

    from redis.connection import AbstractConnection

    sent = []
    original = AbstractConnection.send_command

    def recording(connection, *args, **options):
        sent.append(str(args[0]).upper())
        return original(connection, *args, **options)

    with mock.patch.object(AbstractConnection, "send_command", recording):
        yield sent


@pytest.mark.django_db
def test_a_cached_article_page_costs_one_redis_round_trip_that_also_counts_the_view(
    client, make_article, redis_commands
):
    from articles.popularity import BUFFER_KEY

    article = make_article()
    reader = {"HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) Mobile"}
    client.get(article.get_absolute_url(), REMOTE_ADDR="192.0.2.1", **reader)  # stores the page
    counter = BUFFER_KEY.format(pk=article.pk)
    before = cache.get(counter) or 0
    redis_commands.clear()

    first = client.get(article.get_absolute_url(), REMOTE_ADDR="192.0.2.2", **reader)
    sent_for_a_new_reader = list(redis_commands)
    redis_commands.clear()
    client.get(article.get_absolute_url(), REMOTE_ADDR="192.0.2.2", **reader)  # a reload
    sent_for_a_reload = list(redis_commands)
    redis_commands.clear()
    client.get(article.get_absolute_url(), REMOTE_ADDR="192.0.2.3", HTTP_USER_AGENT="Googlebot/2.1")

    assert first.status_code == 200
    assert sent_for_a_new_reader == ["EVALSHA"]
    assert sent_for_a_reload == ["EVALSHA"]
    assert redis_commands == ["EVALSHA"]
    assert cache.get(counter) == before + 1  # the new reader counted; the reload and the bot not
    cache.delete(counter)


@pytest.mark.django_db
def test_a_stale_cached_page_counts_nothing_in_the_lookup_and_the_rendered_page_counts_once(
    client, make_article
):
    from articles.popularity import BUFFER_KEY
    from kawalis.readercache import invalidate

    article = make_article()
    reader = {"HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) Mobile", "REMOTE_ADDR": "192.0.2.9"}
    client.get(article.get_absolute_url(), HTTP_USER_AGENT="Googlebot/2.1")  # stores the page
    counter = BUFFER_KEY.format(pk=article.pk)
    cache.delete(counter)
    invalidate(article.reader_tag)  # the stored page is now stale: the lookup must not count

    response = client.get(article.get_absolute_url(), **reader)

    assert response.status_code == 200
    assert cache.get(counter) == 1  # counted once, by the middleware, after rendering
    cache.delete(counter)


@pytest.mark.django_db
def test_a_rendered_article_page_counts_the_view_in_the_round_trip_that_reads_its_parts(
    client, make_article, redis_commands, settings
):
    from articles.popularity import BUFFER_KEY

    settings.READER_PAGE_CACHE = False  # rendered on every request, from cached parts
    article = make_article()
    counter = BUFFER_KEY.format(pk=article.pk)
    client.get(article.get_absolute_url(), HTTP_USER_AGENT="Googlebot/2.1")  # parts cached
    client.get(article.get_absolute_url(), HTTP_USER_AGENT="Googlebot/2.1")  # and remembered
    cache.delete(counter)
    reader = {"HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) Mobile", "REMOTE_ADDR": "192.0.2.20"}
    redis_commands.clear()

    first = client.get(article.get_absolute_url(), **reader)
    sent = list(redis_commands)
    client.get(article.get_absolute_url(), **reader)  # a reload

    assert first.status_code == 200
    assert sent == ["EVALSHA"]  # the parts, their tags and the count: one round trip
    assert cache.get(counter) == 1
    cache.delete(counter)


def test_the_page_scripts_survive_a_redis_that_forgot_them_or_dropped_the_connection():
    from kawalis.readercache.store import get_store, redis_client

    store = get_store()
    store.write("probe", ["article:1"], b"payload", 60, store.clock())
    assert store.read(["probe"])[1]["probe"].payload == b"payload"

    redis_client().script_flush()  # as after a restart of Redis
    assert store.read(["probe"])[1]["probe"].payload == b"payload"

    pinned = store._connection()  # the connection the page scripts run on
    pinned.send_command("CLIENT", "ID")
    assert redis_client().client_kill_filter(_id=pinned.read_response()) == 1  # as a restart would
    assert store.read(["probe"])[1]["probe"].payload == b"payload"
