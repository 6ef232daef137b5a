"""kawalis.ratelimit: counted before judged, per address and per network, keys that name nobody."""

import logging
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.cache import cache

from kawalis import ratelimit
from kawalis.ratelimit import Limit


def hits(limit, addresses, **identity):
    return [limit.hit(address, **identity).allowed for address in addresses]


def test_an_address_gets_its_allowance_and_no_more():
    limit = Limit("test", window=60, per_address=3)

    assert hits(limit, ["192.0.2.9"] * 5) == [True, True, True, False, False]
    assert limit.hit("192.0.2.10").allowed


def test_neighbouring_ipv4_addresses_share_the_allowance_of_their_24():
    limit = Limit("test", window=3600, per_address=20, per_network=20)

    allowed = hits(limit, [f"198.51.100.{n}" for n in range(1, 26)])

    assert allowed.count(True) == 20
    assert allowed[20:] == [False] * 5
    assert limit.hit("198.51.101.1").allowed  # the next /24 is another network


def test_every_address_of_an_ipv6_64_is_one_network():
    limit = Limit("test", window=3600, per_address=20, per_network=20)
    one_line = [f"2001:db8:1:2:{n:x}::{n:x}" for n in range(1, 101)]

    assert hits(limit, one_line).count(True) == 20
    assert limit.hit("2001:db8:1:3::1").allowed  # the neighbouring /64 is another line


def test_one_address_spends_only_its_own_share_of_its_networks_allowance():
    limit = Limit("test", window=60, per_address=3, per_network=5)

    flood = hits(limit, ["192.0.2.50"] * 50)

    assert flood.count(True) == 3
    assert hits(limit, ["192.0.2.51"] * 3) == [True, True, False]  # 5 for the /24 in all


def test_an_identity_is_counted_whatever_the_address_and_without_case():
    limit = Limit("test", window=60, per_address=100, per_identity=2)

    allowed = [
        limit.hit(f"203.0.113.{n}", identity=name).allowed
        for n, name in enumerate(["chief", " Chief ", "CHIEF", "editor"])
    ]

    assert allowed == [True, True, False, True]


def test_an_unreadable_address_is_in_no_shared_bucket_and_says_what_to_fix(caplog, monkeypatch):
    monkeypatch.setitem(ratelimit._warned, "at", float("-inf"))  # warned at most every 10 minutes
    limit = Limit("test", window=60, per_address=1, per_network=1, per_identity=2)

    with caplog.at_level(logging.WARNING, logger="kawalis.ratelimit"):
        without_identity = hits(limit, ["", "not-an-address", "unix:/run/kawalis.sock"] * 3)
        same_identity = hits(limit, ["", "", ""], identity="chief")

    assert without_identity == [True] * 9  # one flood cannot shut out every unreadable reader
    assert same_identity == [True, True, False]  # the username keeps its own limit
    assert "BEHIND_PROXY" in caplog.text and "CLIENT_IP_HEADER" in caplog.text


def test_ipv4_mapped_and_differently_written_addresses_are_one_address():
    limit = Limit("test", window=60, per_address=2)

    assert hits(limit, ["::ffff:192.0.2.7", "192.0.2.7", "192.0.2.7"]) == [True, True, False]
    assert hits(limit, ["2001:DB8::1", "2001:db8:0::1", "2001:db8::1"]) == [True, True, False]


def test_a_given_back_event_no_longer_counts():
    limit = Limit("test", window=60, per_address=2)
    limit.hit("192.0.2.7").give_back()
    limit.hit("192.0.2.7").give_back()

    assert hits(limit, ["192.0.2.7"] * 3) == [True, True, False]


def test_clearing_an_identity_starts_its_count_again():
    limit = Limit("test", window=60, per_identity=2)
    hits(limit, [None, None], identity="chief")

    limit.clear(identity="Chief")

    assert hits(limit, [None, None, None], identity="chief") == [True, True, False]


def test_a_window_ends_and_the_count_starts_again():
    limit = Limit("test", window=1, per_address=1)
    assert hits(limit, ["192.0.2.7", "192.0.2.7"]) == [True, False]

    time.sleep(1.1)  # the window is a real expiry in the cache: only time ends it

    assert limit.hit("192.0.2.7").allowed


def test_a_hit_must_be_asked_whether_it_was_allowed():
    with pytest.raises(TypeError):
        bool(Limit("test", window=60, per_address=1).hit("192.0.2.7"))


def stored_keys():
    """Every key in the cache, as stored (Redis: a scan of its database; else the SQLite file)."""
    from kawalis.readercache.store import redis_client

    client = redis_client()
    if client is not None:
        return [key.decode() for key in client.scan_iter(count=1000)]
    return [key for (key,) in cache._db().execute("SELECT key FROM cache")]


def test_keys_name_no_address_network_or_identity():
    limit = Limit("test", window=60, per_address=5, per_network=5, per_identity=5)
    for address in ("203.0.113.77", "2001:db8:1:2::77"):
        limit.hit(address, identity="reader@example.com")

    keys = " ".join(stored_keys())

    assert keys.count("ratelimit:test:") == 5  # two addresses, two networks, one identity
    for clear_text in ("203.0.113", "2001:db8", "reader", "example.com"):
        assert clear_text not in keys


HIT_MANY = """
import sys
import django

django.setup()
from kawalis import ratelimit
from kawalis.ratelimit import Limit

limit = Limit("processes", window=60, per_address=1000, per_network=700)
print("ready", flush=True)
sys.stdin.readline()  # every process starts counting at the same moment
print(sum(limit.hit(f"192.0.2.{n % 200}").allowed for n in range(500)), flush=True)
"""


def test_processes_counting_at_once_never_pass_more_than_the_allowance():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kawalis.settings",
        "SECRET_KEY": settings.SECRET_KEY,
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", HIT_MANY],
            cwd=settings.BASE_DIR,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for process in processes:
        assert process.stdout.readline().strip() == "ready"
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()

    allowed = [int(process.communicate(timeout=60)[0]) for process in processes]

    assert sum(allowed) == 700  # 2,000 hits from one /24 in four processes at once


@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no Redis to check expiries in")
def test_on_redis_every_counter_expires_with_its_window():
    from kawalis.readercache.store import redis_client

    limit = Limit("test", window=90, per_address=5, per_network=5, per_identity=5)
    for _ in range(7):
        limit.hit("192.0.2.7", identity="chief")

    client = redis_client()
    ttls = [client.ttl(key) for key in client.scan_iter(match="*ratelimit:test:*")]

    assert len(ttls) == 3
    assert all(0 < ttl <= 90 for ttl in ttls)


# --- after a flood of the site's own forms -------------------------------------------------------

FLOODERS = ["203.0.113.7", "203.0.113.8", "2001:db8:1:2::7", "2001:db8:1:2:ffff::8"]
# Every form in which an address, its network or a person could appear in a key.
CLEAR_TEXT = [
    *FLOODERS,
    "203.0.113.0",
    "203.0.113",
    "2001:db8:1:2::",
    "2001:db8:1:2",
    "2001:db8:1::",
    "flooder@example.org",
    "example.org",
    "chief-editor",
]


@pytest.fixture
def flood(client, settings, make_article, django_user_model):
    """Every rate-limited form, flooded from two IPv4 and two IPv6 addresses past its limits."""
    from comments.models import Comment
    from comments.tests.conftest import form_data

    settings.NEWSLETTER_SIGNUPS_PER_IP = settings.NEWSLETTER_SIGNUPS_PER_NETWORK = 2
    settings.COMMENTS_RATE_LIMIT_IP = settings.COMMENTS_RATE_LIMIT_NETWORK = 2
    settings.COMMENTS_RATE_LIMIT_EMAIL = 2
    settings.COMMENTS_REPORT_LIMIT_IP = settings.COMMENTS_REPORT_LIMIT_NETWORK = 2
    settings.LOGIN_FAILURES_PER_ADDRESS = settings.LOGIN_FAILURES_PER_NETWORK = 2
    settings.LOGIN_FAILURES_PER_USERNAME = 2
    article = make_article()
    target = Comment.objects.create(
        article=article, name="قارئ", email="reader@example.net", body="تعليق", status="approved"
    )
    django_user_model.objects.create_user("chief-editor", password="the-right-pass-phrase-7", is_staff=True)
    statuses = []
    for address in FLOODERS:
        for n in range(4):
            posts = [
                ("/newsletter/", {"email": f"flooder+{n}@example.org"}),
                (
                    f"/comments/post/{article.pk}/",
                    form_data(article, body=f"{address} {n}", email="flooder@example.org"),
                ),
                (f"/comments/{target.pk}/report/", {}),
                ("/admin/login/", {"username": "chief-editor", "password": f"guess {n}"}),
            ]
            statuses += [client.post(url, data, REMOTE_ADDR=address).status_code for url, data in posts]
    assert statuses.count(429) > len(statuses) // 2  # the limits were reached, not just visited
    return statuses


@pytest.mark.skipif(bool(settings.REDIS_URL), reason="the cache is Redis: the test on Redis checks it")
def test_after_a_flood_no_key_in_the_cache_file_names_an_address_or_a_person(flood):
    keys = stored_keys()

    assert any(key.startswith(":1:ratelimit:") for key in keys)
    for key in keys:
        assert not [text for text in CLEAR_TEXT if text in key], key


@pytest.mark.skipif(not settings.REDIS_URL, reason="REDIS_URL is not set: no Redis whose keys to scan")
def test_after_a_flood_no_key_in_redis_names_an_address_or_a_person(flood):
    import redis

    keys = [key.decode() for key in redis.Redis.from_url(settings.REDIS_URL).scan_iter(count=1000)]

    assert any(":ratelimit:" in key for key in keys)
    for key in keys:
        assert not [text for text in CLEAR_TEXT if text in key], key
