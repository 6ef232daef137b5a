"""Whole reader pages from the cache: compressed as browsers ask, answered before sessions and
URL resolving, each worker's copy checked against the cache on every request."""

import gzip
import pickle
import re
import time
import zlib
from unittest import mock
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.core.handlers.base import BaseHandler
from django.middleware.csrf import _unmask_cipher_token, get_token
from django.test import Client

from kawalis.readercache import holes
from kawalis.readercache import pages as page_cache
from kawalis.readercache.pages import (
    StoredPage,
    accepts_gzip,
    crc_after,
    gzip_body,
    page_key,
    worker_copies,
)
from kawalis.readercache.store import get_store, redis_client
from kawalis.readercache.worker_copies import WorkerCopies

BROWSER = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br, zstd"}
# The holes filled for each copy served: the CSRF token, the comment form's time token.
TOKEN_VALUE = r'name="(?:csrfmiddlewaretoken|token)" value="[^"]*"'


def text_between_holes(html):
    """The page without its tokens (each copy served gets its own: the time token differs as soon
    as the copies fall in different seconds)."""
    return re.split(TOKEN_VALUE, html)[::2]


def with_own_token(request, html):
    """``html`` with this request's own CSRF token where it says OLD (a hole, as rendered)."""
    return html.replace('value="OLD"', f'value="{get_token(request)}"')


# --- compression ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        '<p>خبر</p><input name="csrfmiddlewaretoken" value="OLD"><p>بقية الصفحة</p>',
        '<input name="csrfmiddlewaretoken" value="OLD">',  # holes at both ends, empty text around
        "<p>صفحة بلا ثقوب</p>" * 500,
        "",
    ],
)
def test_a_compressed_page_is_one_valid_gzip_member_of_the_filled_page(rf, html):
    request = rf.get("/")
    pieces = holes.encode(holes.split(request, with_own_token(request, html)))
    assert len(pieces) == 2 * html.count("OLD") + 1
    filled = holes.fill(request, pieces)
    stored = StoredPage.of(pieces, content_type="text/html", charset="utf-8", valid_until=0, subject=None)
    assert all(stored.pieces[index] is None for index in range(0, len(pieces), 2))  # kept compressed

    body = gzip_body(filled, stored)  # framed from the lengths and CRCs, without the plain text

    assert body[:2] == b"\x1f\x8b"
    assert gzip.decompress(body) == b"".join(filled)
    strict = zlib.decompressobj(wbits=31)  # gzip wrapper: checks the CRC and the length
    assert strict.decompress(body) == b"".join(filled) and strict.eof and strict.unused_data == b""


def test_a_hole_longer_than_one_stored_block_still_decompresses():
    pieces = [b"<p>", "", b"</p>"]
    hole = "ب".encode() * 40_000  # 80,000 bytes: two stored blocks
    stored = StoredPage.of(pieces, content_type="text/html", charset="utf-8", valid_until=0, subject=None)
    body = gzip_body([None, hole, None], stored)
    assert zlib.decompress(body, wbits=31) == b"<p>" + hole + b"</p>"
    assert stored.plain_pieces() == [b"<p>", "", b"</p>"]  # decompressed for clients without gzip


@pytest.mark.parametrize("size", [0, 1, 7, 1000, 200_000])
def test_the_crc_of_a_prefix_and_a_piece_comes_without_the_pieces_bytes(size):
    prefix, piece = "مقدمة".encode() * 11, bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    assert crc_after(zlib.crc32(prefix), len(piece), zlib.crc32(piece)) == zlib.crc32(prefix + piece)


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip, deflate, br, zstd", True),
        ("GZIP", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("gzip;q=nonsense", False),
        ("gzip;level=1;q=0.8", True),
        ("gzip;q=0;level=1", False),
        ("x-gzip, deflate", False),
        ("deflate, br", False),
        ("", False),
    ],
)
def test_gzip_is_sent_only_to_clients_that_ask_for_it(rf, header, accepted):
    assert accepts_gzip(rf.get("/", HTTP_ACCEPT_ENCODING=header)) is accepted


def test_browsers_get_the_cached_page_compressed_and_others_get_it_plain(make_article):
    url = make_article().get_absolute_url()
    first = Client().get(url, **BROWSER)  # rendered and stored
    compressed = Client().get(url, **BROWSER)
    plain = Client().get(url)

    assert "Content-Encoding" not in first
    assert compressed["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain
    for response in (first, compressed, plain):
        assert "Accept-Encoding" in response["Vary"]  # shared caches keep both apart
    assert int(compressed["Content-Length"]) == len(compressed.content) < len(plain.content) / 2
    page = gzip.decompress(compressed.content).decode()
    assert text_between_holes(page) == text_between_holes(plain.content.decode())
    assert text_between_holes(page) == text_between_holes(first.content.decode())


# --- before sessions and URL resolving -------------------------------------------------------------


@pytest.fixture
def resolved():
    """The requests that went through URL resolving (the usual path), by path."""
    paths = []
    original = BaseHandler.resolve_request

    def resolve_request(handler, request):
        paths.append(quote(request.path))  # as get_absolute_url() spells it
        return original(handler, request)

    with mock.patch.object(BaseHandler, "resolve_request", resolve_request):
        yield paths


def test_a_known_page_is_answered_before_url_resolving(make_article, resolved):
    article = make_article()
    urls = [article.get_absolute_url(), "/", "/fr/", article.category.get_absolute_url()]
    for url in urls:
        Client().get(url)  # this worker stores (and so knows) the page

    resolved.clear()
    for url in urls:
        assert Client().get(url, **BROWSER).status_code == 200

    assert resolved == []


def test_a_reader_with_a_session_cookie_goes_the_usual_way_and_still_gets_the_cached_page(
    make_article, resolved
):
    url = make_article().get_absolute_url()
    Client().get(url)
    reader = Client()
    reader.cookies["sessionid"] = "not-a-session-of-ours"

    resolved.clear()
    with mock.patch("articles.views.render") as render:
        response = reader.get(url)

    assert response.status_code == 200
    assert resolved == [url]
    render.assert_not_called()  # served from the cache by the view's own wrapper


@pytest.mark.parametrize("url_of", [lambda article: article.get_absolute_url(), lambda article: "/fr/"])
def test_a_page_answered_early_carries_the_same_headers_as_the_usual_way(make_article, url_of):
    url = url_of(make_article())
    Client().get(url)
    early = Client().get(url, **BROWSER)  # the worker's first answer with its copy: every middleware
    replayed = Client().get(url, **BROWSER)  # later ones: the same-for-everyone headers replayed
    plain = Client().get(url)
    usual_client = Client()
    usual_client.cookies["sessionid"] = "none"
    usual = usual_client.get(url, **BROWSER)

    def same_for_everyone(response):
        headers = dict(response.headers)
        headers.pop("Content-Length")
        headers["Vary"] = sorted(value.strip() for value in headers["Vary"].split(","))
        return headers

    assert same_for_everyone(early) == same_for_everyone(usual) == same_for_everyone(replayed)
    assert worker_copies.get(page_key(early["Content-Language"], early.wsgi_request)).replayed_headers
    assert "Content-Encoding" not in plain and replayed["Content-Encoding"] == "gzip"
    for response in (early, replayed, plain):
        for header in ("Content-Security-Policy", "X-Frame-Options", "Content-Language", "Referrer-Policy"):
            assert header in response
        assert not response.cookies  # shared pages set no cookie (kawalis/csrf.py)
    assert replayed["Content-Language"] == usual["Content-Language"] == ("fr" if url == "/fr/" else "ar")


def test_a_page_that_uses_a_nonce_gets_a_policy_of_its_own_every_time(make_article, monkeypatch):
    from articles import views

    real_render = views.render

    def with_inline_script(request, template, context=None, **kwargs):
        response = real_render(request, template, context, **kwargs)
        script = f'<script nonce="{request.csp_nonce}">1</script>'.encode()
        response.content = response.content.replace(b"</body>", script + b"</body>")
        return response

    monkeypatch.setattr(views, "render", with_inline_script)
    url = make_article().get_absolute_url()
    Client().get(url)
    answers = [Client().get(url) for _n in range(3)]

    nonces = [re.search(r'<script nonce="([^"]+)">', answer.content.decode()).group(1) for answer in answers]
    assert len(set(nonces)) == 3
    for answer, nonce in zip(answers, nonces, strict=True):
        assert f"'nonce-{nonce}'" in answer["Content-Security-Policy"]


def test_a_page_answered_early_still_checks_the_host(make_article):
    url = make_article().get_absolute_url()
    Client().get(url)
    assert Client(HTTP_HOST="attacker.example").get(url).status_code == 400


def test_query_parameters_that_are_not_page_numbers_go_the_usual_way(make_article, resolved):
    url = make_article().get_absolute_url()
    Client().get(url)
    resolved.clear()
    Client().get(url, {"sent": "1"})
    Client().get(url, {"cpage": "1" * 20})
    assert resolved == [url, url]


def test_a_change_is_visible_at_once_to_a_worker_that_has_a_copy(make_article, resolved):
    article = make_article(title_ar="العنوان الأول")
    url = article.get_absolute_url()
    Client().get(url)
    assert "العنوان الأول" in Client().get(url).content.decode()

    article.title_ar = "العنوان الجديد"
    article.save()
    resolved.clear()
    html = Client().get(url).content.decode()

    assert "العنوان الجديد" in html and "العنوان الأول" not in html
    assert resolved == [url]  # the copy was stale: rendered the usual way


def test_a_copy_stored_by_another_server_replaces_this_workers_copy(rf, make_article):
    url = make_article().get_absolute_url()
    Client().get(url)
    key = page_key("ar", rf.get(url))
    mine = worker_copies.get(key)
    assert mine is not None

    # Another server renders the page again (it expired there first) and stores its copy.
    theirs = StoredPage.of(
        [b"<p>\xd9\x86\xd8\xb3\xd8\xae\xd8\xa9</p>"],
        content_type=mine.content_type,
        charset="utf-8",
        valid_until=time.time() + 60,
        subject=mine.subject,
    )
    store = get_store()
    _clock, found, _counted = store.read([key])
    head = store.write(key, found[key].tags, pickle.dumps(theirs), 60, store.clock())
    assert head is not None and head != mine.head

    assert Client().get(url).content.decode() == "<p>نسخة</p>"
    assert worker_copies.get(key).head == head


@pytest.mark.skipif(redis_client() is None, reason="REDIS_URL is not set: the copies save Redis transfers")
def test_redis_sends_the_page_only_when_the_workers_copy_is_not_current(make_article):
    url = make_article().get_absolute_url()
    Client().get(url)
    with mock.patch.object(page_cache, "_unpickle", wraps=page_cache._unpickle) as unpickled:
        Client().get(url)
        Client().get(url)
        assert unpickled.call_count == 0  # "your copy is current": no page over the wire
        worker_copies.clear()  # a worker that has no copy yet
        Client().get(url)
        assert unpickled.call_count == 1


def test_an_article_answered_early_is_counted_once_per_reader(make_article, settings):
    from articles.popularity import BUFFER_KEY

    article = make_article()
    url = article.get_absolute_url()
    reader = {"HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 14) Mobile"}
    Client().get(url, HTTP_USER_AGENT="Googlebot/2.1")  # stored; a bot is not counted
    counter = BUFFER_KEY.format(pk=article.pk)

    Client().get(url, REMOTE_ADDR="192.0.2.10", **reader)
    Client().get(url, REMOTE_ADDR="192.0.2.10", **reader)  # a reload
    Client().get(url, REMOTE_ADDR="192.0.2.11", **reader)
    Client().get(url, REMOTE_ADDR="192.0.2.12", HTTP_USER_AGENT="Googlebot/2.1")

    assert cache.get(counter) == 2
    assert Client().get("/", REMOTE_ADDR="192.0.2.13", **reader).status_code == 200
    assert cache.get(counter) == 2  # the home page counts no article


# --- each worker's copies ---------------------------------------------------------------------------


def stored_page(size, head="a"):
    pieces = [b"x" * size]
    return StoredPage(pieces, [b""], "text/html", "utf-8", time.time() + 60, None, head=head)


def test_worker_copies_stay_within_their_memory_and_drop_the_oldest_first():
    copies = WorkerCopies(limit=1000)
    for key in ("a", "b"):
        page = stored_page(400)
        copies.put(key, page, page.size)
    copies.get("a")  # read lately: b is now the oldest
    page = stored_page(400)
    copies.put("c", page, page.size)
    copies.put("huge", stored_page(5000), 5000)  # bigger than the whole limit: not kept

    assert "a" in copies and "c" in copies
    assert "b" not in copies and "huge" not in copies


def test_without_worker_memory_pages_are_still_served_from_the_cache(make_article, resolved):
    url = make_article().get_absolute_url()
    with mock.patch.object(worker_copies, "limit", 0):
        worker_copies.clear()
        Client().get(url)
        resolved.clear()
        with mock.patch("articles.views.render") as render:
            assert Client().get(url).status_code == 200
        render.assert_not_called()
        assert resolved == [url]  # not known to this worker: the usual way, from the cache


# --- per-reader tokens --------------------------------------------------------------------------------


def test_a_cached_csrf_token_is_each_readers_own_and_keeps_the_page_private(rf):
    first, second = rf.get("/"), rf.get("/")
    html = with_own_token(first, '<form><input name="csrfmiddlewaretoken" value="OLD"></form>')
    pieces = holes.split(first, html)
    assert len(pieces) == 3  # the first reader's token is a hole...
    assert holes.holds_per_reader(first, pieces)  # ...filled per reader: no shared cache may keep it

    filled = holes.joined(second, pieces)

    token = re.search(r'value="([^"]+)"', filled).group(1)
    assert token not in html  # the second reader never sees the first one's token
    assert _unmask_cipher_token(token) == second.META["CSRF_COOKIE"]  # but one for their own cookie


def test_a_time_token_alone_leaves_the_page_shareable(rf, make_article):
    from comments.spam import issue_form_token

    request = rf.get("/")
    pieces = holes.split(request, f'<input name="token" value="{issue_form_token(make_article().pk)}">')
    assert len(pieces) == 3 and not holes.holds_per_reader(request, pieces)


# --- tracking parameters --------------------------------------------------------------------------


def test_links_shared_with_tracking_parameters_get_the_cached_page(make_article, resolved):
    url = make_article().get_absolute_url()
    shared = {"fbclid": "IwAR3x" + "y" * 60, "utm_source": "whatsapp", "utm_medium": "social"}
    first = Client().get(url, shared).content.decode()  # rendered and stored, as for the plain address
    resolved.clear()
    with mock.patch("articles.views.render") as render:
        later = [Client().get(url, {"fbclid": f"IwAR{n}"}) for n in range(3)]
        plain = Client().get(url)

    render.assert_not_called()
    assert resolved == []  # answered early, as the plain address
    assert all(response.status_code == 200 for response in [*later, plain])
    assert "fbclid" not in first and "utm_" not in first  # no reader's tags in the stored page


def test_tracking_parameters_are_dropped_and_the_others_kept(make_article, resolved):
    url = make_article().get_absolute_url()
    Client().get(url, {"cpage": "1"})
    resolved.clear()

    Client().get(url, {"cpage": "1", "utm_campaign": "newsletter"})  # the stored ?cpage=1 page
    assert resolved == []
    response = Client().get(url, {"reply": "3", "gclid": "abc"})  # "reply" still renders afresh
    assert response.status_code == 200 and resolved == [url]
    assert "gclid" not in response.content.decode()
