"""Exact invalidation: a change cools the pages that show it, only those, and only once committed."""

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from comments.models import Comment
from kawalis.readercache import invalidate
from kawalis.readercache.store import get_store
from kawalis.readercache.testing import tag_versions


def queries(url, **headers):
    with CaptureQueriesContext(connection) as captured:
        response = Client().get(url, **headers)
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


@pytest.fixture
def site(make_article, make_category):
    category = make_category()
    other_category = make_category()
    story = make_article(title_ar="القصة", category=category)
    neighbour = make_article(title_ar="الجارة", category=category)
    elsewhere = make_article(title_ar="بعيدة", category=other_category)
    pages = {
        "home": "/",
        "story": story.get_absolute_url(),
        "neighbour": neighbour.get_absolute_url(),
        "elsewhere": elsewhere.get_absolute_url(),
        "other section": other_category.get_absolute_url(),
    }
    for url in pages.values():
        queries(url)
    assert all(queries(url)[0] == 0 for url in pages.values())  # all warm
    return story, pages


def cooled(pages):
    """The pages that must be rendered again (a warm page costs no query)."""
    return {name for name, url in pages.items() if queries(url)[0] > 0}


def test_an_approved_comment_cools_its_article_only(site):
    story, pages = site
    Comment.objects.create(
        article=story, name="قارئ", email="r@example.com", body="تعليق جديد", status="approved"
    )
    assert cooled(pages) == {"story"}
    assert "تعليق جديد" in queries(pages["story"])[1]


def test_an_edit_of_one_story_cools_the_pages_that_show_it(site):
    story, pages = site
    story.title_ar = "القصة بعد التصحيح"
    story.save()
    # Its own page, the home page's card, and its neighbour's "see also" (same section).
    assert cooled(pages) == {"story", "home", "neighbour"}
    assert "القصة بعد التصحيح" in queries(pages["home"])[1]


def test_an_edit_outside_a_transaction_of_the_page_is_seen_at_once_everywhere(site):
    story, pages = site
    story.lead_ar = "مقدمة جديدة"
    story.save()
    assert "مقدمة جديدة" in queries(pages["home"])[1]
    assert "مقدمة جديدة" in queries(pages["story"])[1]


@pytest.mark.django_db(transaction=True)
def test_invalidation_waits_for_the_commit_and_a_rollback_drops_it():
    before = tag_versions("article:1")
    with transaction.atomic():
        invalidate("article:1")
        assert tag_versions("article:1") == before  # not yet: nothing is committed
    assert tag_versions("article:1") != before

    before = tag_versions("article:1")
    with pytest.raises(RuntimeError), transaction.atomic():
        invalidate("article:1")
        raise RuntimeError("rolled back")
    assert tag_versions("article:1") == before


def test_a_reader_racing_a_change_never_stores_old_data_under_the_new_state(db):
    store = get_store()
    # The reader starts rendering (notes the clock), reads the old data; meanwhile the change
    # commits and its invalidation runs: what the reader made is not stored.
    started = store.clock()
    store.bump(["article:7"])
    assert store.write("part:race", {"article:7"}, b"old", 60, started) is None
    # Stored before the change: the change leaves it stale.
    started = store.clock()
    assert store.write("part:race", {"article:7"}, b"old", 60, started) is not None
    store.bump(["article:7"])
    _clock, found, _counted = store.read(["part:race"])
    assert not found["part:race"].current


def test_two_hosts_get_the_same_links_to_the_site(make_article, settings):
    settings.SITE_URL = "https://kawalis.example"
    url = make_article().get_absolute_url()
    first = Client().get(url, HTTP_HOST="localhost").content.decode()
    second = Client().get(url, HTTP_HOST="127.0.0.1").content.decode()
    canonical = f'<link rel="canonical" href="https://kawalis.example{url}">'
    assert canonical in first and canonical in second
    assert "localhost" not in second and "localhost" not in first


def test_article_text_that_looks_like_a_hole_is_left_as_written(make_article):
    article = make_article(body_ar='<p>مثال: name="csrfmiddlewaretoken" value="XYZ" و nonce="ABC"</p>')
    url = article.get_absolute_url()
    Client().get(url)
    cached = Client().get(url).content.decode()
    assert 'مثال: name="csrfmiddlewaretoken" value="XYZ" و nonce="ABC"' in cached


# --- what comes by the clock ----------------------------------------------------------------------


def test_a_scheduled_story_shows_on_the_first_request_after_its_time_not_when_pages_expire(
    make_article, settings
):
    import datetime
    import time

    from django.utils import timezone

    settings.READER_CACHE_SECONDS = 3600  # pages would otherwise live an hour
    make_article(title_ar="خبر منشور من قبل")
    publication = timezone.now() + datetime.timedelta(seconds=1.5)
    scheduled = make_article(title_ar="خبر مجدول للنشر", published_at=publication)
    reader = Client()
    assert "خبر مجدول للنشر" not in reader.get("/").content.decode()
    with CaptureQueriesContext(connection) as before:
        assert "خبر مجدول للنشر" not in reader.get("/").content.decode()
    assert len(before) == 0  # the home page is cached, and stays so until the time comes

    time.sleep(max(0.0, (publication - timezone.now()).total_seconds()) + 0.2)

    assert "خبر مجدول للنشر" in reader.get("/").content.decode()
    assert reader.get(scheduled.get_absolute_url()).status_code == 200
    assert get_store().seconds_until_due() is None  # done once, by the first reader


def test_no_page_is_kept_in_front_past_a_scheduled_publication(make_article, settings):
    import datetime
    import re

    from django.utils import timezone

    settings.READER_CACHE_SECONDS = 3600
    settings.FRONTEND_CACHE = ["http://127.0.0.1:9/"]
    settings.FRONTEND_PURGE_REPEAT_SECONDS = 0
    make_article(published_at=timezone.now() + datetime.timedelta(seconds=90))
    response = Client().get("/")
    assert 80 <= int(re.search(r"s-maxage=(\d+)", response["Cache-Control"]).group(1)) <= 90
