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
