"""Behind a real Varnish (Debian's varnish + varnish-modules): kept, purged after commit, exact.

Varnish runs the site's VCL (kawalis/readercache/varnish.vcl) in front of the test's live
server; the site purges it by tag after each commit. Skipped, with the reason, where Varnish
or its xkey module is not installed.
"""

import gzip
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from comments.models import Comment
from kawalis.readercache.varnish import Varnish, unavailable

BROWSER_HEADERS = {
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
    "Accept-Encoding": "gzip, deflate, br, zstd",
}


@pytest.fixture
def varnish(live_server, settings):
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    front = Varnish(urlsplit(live_server.url).port)
    settings.FRONTEND_CACHE = [front.purge_url()]
    # The repeated purge (test_front.py) would drop what a test fetched within that delay of
    # making its articles: off here, so that what is kept is what the test says.
    settings.FRONTEND_PURGE_REPEAT_SECONDS = 0
    yield front
    settings.FRONTEND_CACHE = []  # the repeated purges of the test's last changes go nowhere
    front.stop()


def fetch(url, headers=BROWSER_HEADERS):
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
        if response.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return response.status, response.headers, body.decode()


def test_pages_are_kept_in_front_and_an_edit_shows_on_the_next_request(varnish, make_article):
    article = make_article(title_ar="عنوان أول")
    url = f"{varnish.url}{article.get_absolute_url()}"
    _status, first, _html = fetch(url)
    status, again, html = fetch(url)
    assert (first["X-Cache"], again["X-Cache"]) == ("MISS", "HIT")
    assert status == 200 and "عنوان أول" in html
    assert "Surrogate-Key" not in again and "xkey" not in again  # the tags stay between the two
    assert again["Content-Encoding"] == "gzip"  # the site's own compressed copy, kept as it is

    article.title_ar = "عنوان مصحح"
    saved = time.monotonic()
    article.save()  # commits; the purge follows at once

    _status, after, html = fetch(url)
    seen = time.monotonic() - saved
    assert after["X-Cache"] == "MISS" and "عنوان مصحح" in html and "عنوان أول" not in html
    assert seen < 1.0, f"the edit took {seen:.2f} s to show behind Varnish"
    assert fetch(url)[1]["X-Cache"] == "HIT"


def test_an_approved_comment_cools_its_article_only(varnish, make_article):
    article, other = make_article(), make_article()
    paths = {"article": article.get_absolute_url(), "other": other.get_absolute_url(), "home": "/"}
    pages = {name: f"{varnish.url}{path}" for name, path in paths.items()}
    for url in pages.values():
        fetch(url)
    comment = Comment.objects.create(article=article, name="قارئة", email="q@example.com", body="تعليق للنشر")

    comment.status = Comment.Status.APPROVED
    comment.save()

    _status, headers, html = fetch(pages["article"])
    assert headers["X-Cache"] == "MISS" and "تعليق للنشر" in html
    assert fetch(pages["other"])[1]["X-Cache"] == "HIT"
    assert fetch(pages["home"])[1]["X-Cache"] == "HIT"


def test_personal_pages_and_posts_are_never_kept(varnish, make_article):
    article = make_article()
    for _visit in range(2):
        with_session = {**BROWSER_HEADERS, "Cookie": "sessionid=x"}
        signed_in = fetch(f"{varnish.url}{article.get_absolute_url()}", with_session)
        assert signed_in[1]["X-Cache"] == "MISS"
        login = fetch(f"{varnish.url}/admin/login/")
        assert login[1]["X-Cache"] == "MISS"  # a CSRF cookie and token of its own
    purge = urllib.request.Request(f"{varnish.url}/", method="PURGE")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(purge, timeout=5)
    assert refused.value.code == 400  # a purge names what it purges


class _ForeignSite:
    """Another website (another origin: localhost, not 127.0.0.1) with a form posting to ours."""

    def __init__(self, page):
        body = page.encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://localhost:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.browser
def test_in_chromium_a_cross_site_post_is_refused_and_the_pages_own_form_works(
    varnish, page, make_article, settings
):
    settings.COMMENTS_MIN_FILL_SECONDS = 0
    article = make_article()
    article_url = f"{varnish.url}{article.get_absolute_url()}"
    page.goto(article_url)
    page.goto(article_url)  # kept by Varnish now: the form as everyone gets it
    token = page.get_attribute(".comment-form input[name=token]", "value")
    foreign = _ForeignSite(
        f"""<!doctype html><meta charset="utf-8"><title>another site</title>
        <form method="post" action="{varnish.url}/comments/post/{article.pk}/">
          <input name="name" value="مزور"><input name="email" value="forged@example.com">
          <input name="body" value="تعليق مدسوس من موقع آخر"><input name="token" value="{token}">
          <input name="parent" value=""><input name="website" value="">
          <button type="submit">send</button>
        </form>"""
    )
    try:
        page.goto(foreign.url)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert "لم يُرسَل النموذج" in page.content()  # refused, in the reader's language
    finally:
        foreign.close()
    assert not Comment.objects.exists()

    page.goto(article_url)
    page.fill(".comment-form input[name=name]", "قارئة حقيقية")
    page.fill(".comment-form input[name=email]", "reader@example.com")
    page.fill(".comment-form textarea[name=body]", "تعليقي من صفحة الموقع نفسها")
    with page.expect_navigation():
        page.click(".comment-form button[type=submit]")
    assert "?comment=" in page.url
    comment = Comment.objects.get()
    assert comment.body == "تعليقي من صفحة الموقع نفسها"
    assert comment.status == Comment.Status.PENDING
