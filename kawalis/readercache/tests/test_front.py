"""A shared cache in front: which pages are public, what they carry, and the purges after commit.

The real Varnish in front is in test_varnish.py; here the site's side of the contract.
"""

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction
from django.test import Client

from comments.models import Comment
from kawalis.readercache import front, invalidate

pytestmark = pytest.mark.django_db


@pytest.fixture
def purges(settings):
    """A stand-in front server on 127.0.0.1 that records the PURGE requests it gets."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_PURGE(self):
            received.append(self.headers.get(front.PURGE_HEADER, ""))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.FRONTEND_CACHE = [f"http://127.0.0.1:{server.server_address[1]}/"]
    settings.FRONTEND_PURGE_REPEAT_SECONDS = 0
    yield received
    server.shutdown()
    server.server_close()


def surrogate_keys(response):
    return set(response["Surrogate-Key"].split())


def test_without_a_front_cache_pages_carry_no_public_headers(client, make_article):
    article = make_article()
    for _visit in range(2):
        response = client.get(article.get_absolute_url())
        assert "Surrogate-Key" not in response
        assert "public" not in response.get("Cache-Control", "")


def test_reader_pages_are_public_with_the_tags_of_what_they_show(make_article, purges, settings):
    settings.READER_CACHE_SECONDS = 45
    article = make_article()
    reader = Client()
    first, again = reader.get(article.get_absolute_url()), reader.get(article.get_absolute_url())
    for response in (first, again):  # rendered and stored, then served from the cache
        cache_control = response["Cache-Control"]
        assert cache_control.startswith("public, max-age=0, s-maxage=")
        assert 0 < int(re.search(r"s-maxage=(\d+)", cache_control).group(1)) <= 45  # never longer than here
        assert f"stale-while-revalidate={settings.FRONTEND_STALE_SECONDS}" in cache_control
        assert {f"article:{article.pk}", f"comments:{article.pk}", "site"} <= surrogate_keys(response)
        assert not response.cookies
    home = reader.get("/")
    assert {"articles", "site"} <= surrogate_keys(home)
    assert f"comments:{article.pk}" not in surrogate_keys(home)


def test_pages_for_one_reader_are_never_public(make_article, purges, editor_user):
    article = make_article()
    reader = Client()
    reader.cookies["sessionid"] = "a-session"  # a reader who signed in once
    assert "Surrogate-Key" not in reader.get(article.get_absolute_url())
    staff = Client()
    staff.force_login(editor_user)
    assert "Surrogate-Key" not in staff.get(article.get_absolute_url())
    with_notice = Client().get(article.get_absolute_url(), {"reported": "1"})
    assert "Surrogate-Key" not in with_notice


def test_the_article_page_asks_its_beacon_only_behind_a_front_cache(client, make_article, settings):
    article = make_article()
    assert "js/views" not in client.get(article.get_absolute_url()).content.decode()
    settings.FRONTEND_CACHE = ["http://127.0.0.1:9/"]
    article.save()  # a new page for the new setting
    page = client.get(article.get_absolute_url()).content.decode()
    beacon = re.search(r'<script src="[^"]*js/views[^"]*" data-url="([^"]+)" defer>', page).group(1)
    assert beacon.startswith("/views/")


def test_a_commit_purges_the_tags_it_changed_and_nothing_before(make_article, purges):
    article = make_article()
    purges.clear()
    with transaction.atomic():
        invalidate(f"article:{article.pk}")
        assert purges == []  # not before the commit
    assert purges == [f"article:{article.pk}"]


def test_an_approved_comment_purges_its_article_not_the_home_page(make_article, purges):
    article = make_article()
    comment = Comment.objects.create(article=article, name="قارئ", email="q@example.com", body="رأي")
    purges.clear()
    comment.status = Comment.Status.APPROVED
    comment.save()
    purged = set(" ".join(purges).split())
    assert f"comments:{article.pk}" in purged
    assert not purged & {"articles", "site", f"article:{article.pk}"}


def test_a_front_cache_that_is_down_never_breaks_the_save(make_article, settings, caplog):
    settings.FRONTEND_CACHE = ["http://127.0.0.1:9/"]  # nothing listens there
    settings.FRONTEND_PURGE_REPEAT_SECONDS = 0
    article = make_article()
    article.title_ar = "عنوان جديد"
    article.save()
    assert "Could not purge" in caplog.text


def test_the_purge_is_repeated_for_a_page_fetched_while_the_change_committed(purges, settings):
    settings.FRONTEND_PURGE_REPEAT_SECONDS = 0.05
    front.purge_after_commit(("article:7",))
    for _wait in range(100):
        if len(purges) == 2:
            break
        threading.Event().wait(0.02)
    assert purges == ["article:7", "article:7"]
