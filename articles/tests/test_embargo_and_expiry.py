"""Embargo ("publish at") and expiry ("unpublish at"): a story is on no reader surface before its
publication time nor after its expiry time, and on every one in between, by the clock alone.

The clock is frozen (time_machine) and moved past each time; the same reader client is used
throughout, so what the readers' cache kept before a time must have been made stale at it
(``invalidate_at``). Redis judges what is due by its own clock, which a frozen clock cannot
move: there the pages are not cached (the rule itself is still checked on each surface).
"""

import datetime
import re
from urllib.parse import quote

import pytest
import time_machine
from django.utils import timezone

from articles import popularity
from articles.models import Article, ArticleViewCount, Author, BreakingNews, Tag
from articles.see_also import see_also

NOON = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.timezone.utc)
PUBLISH_AT = NOON + datetime.timedelta(hours=1)
UNPUBLISH_AT = NOON + datetime.timedelta(hours=3)
BEFORE, DURING, AFTER = NOON, NOON + datetime.timedelta(hours=2), NOON + datetime.timedelta(hours=4)
WORD = "زلزالكبير"  # one word, found by search in this story only


@pytest.fixture
def clock_controls_cache_expiry(settings, monkeypatch):
    if "redis" in settings.CACHES["default"]["BACKEND"]:
        settings.READER_CACHE_SECONDS = 0
        monkeypatch.setattr(popularity, "MOST_READ_CACHE_SECONDS", 0)


@pytest.fixture
def newsroom(make_article, make_category, clock_controls_cache_expiry):
    """Frozen at BEFORE: the embargoed story (on from PUBLISH_AT, off at UNPUBLISH_AT), in a
    section with a tag and an author, and an older published story of the same section."""
    with time_machine.travel(BEFORE, tick=False) as clock:
        category = make_category()
        tag = Tag.objects.create(name_ar="زلازل")
        author = Author.objects.create(name_ar="سعاد الكاتبة")
        older = make_article(
            title_ar="مقال سابق في القسم", category=category, published_at=NOON - datetime.timedelta(days=1)
        )
        story = make_article(
            title_ar="قصة تحت الحظر",
            lead_ar=f"خبر {WORD} في الصباح",
            category=category,
            published_at=PUBLISH_AT,
            unpublish_at=UNPUBLISH_AT,
        )
        story.tags.add(tag, through_defaults={"article_published_at": story.published_at})
        story.authors.add(author)
        yield {
            "clock": clock,
            "story": story,
            "older": older,
            "category": category,
            "tag": tag,
            "author": author,
        }


def shows(client, path, story):
    response = client.get(path)
    assert response.status_code == 200, path
    text = response.content.decode()
    return story.title_ar in text or f"/article/{story.pk}/" in text


SURFACES = {
    "article page": lambda c, n: c.get(n["story"].get_absolute_url()).status_code == 200,
    "home": lambda c, n: shows(c, "/", n["story"]),
    "category page": lambda c, n: shows(c, n["category"].get_absolute_url(), n["story"]),
    "tag page": lambda c, n: shows(c, n["tag"].get_absolute_url(), n["story"]),
    "author page": lambda c, n: shows(c, n["author"].get_absolute_url(), n["story"]),
    "rss feed": lambda c, n: shows(c, "/feeds/rss/", n["story"]),
    "atom feed": lambda c, n: shows(c, "/feeds/atom/", n["story"]),
    "category feed": lambda c, n: shows(c, f"{n['category'].get_absolute_url()}feeds/rss/", n["story"]),
    "sitemap": lambda c, n: shows(c, "/sitemap-articles.xml", n["story"]),
    "news sitemap": lambda c, n: shows(c, "/news-sitemap.xml", n["story"]),
    "search": lambda c, n: shows(c, f"/search/?q={quote(WORD)}", n["story"]),
    "see also of another story": lambda c, n: shows(c, n["older"].get_absolute_url(), n["story"]),
    "see also (the function)": lambda c, n: n["story"].pk in [a.pk for a in see_also(n["older"], "ar")],
    "most read": lambda c, n: n["story"].pk in [a.pk for a in popularity.most_read_lists("ar")["day"]],
    "published()": lambda c, n: Article.objects.published().filter(pk=n["story"].pk).exists(),
}


def _read_by_readers(story):
    """Views as the flush writes them (readers can only read it once it is out), then the
    flush's own refresh of the most-read lists."""
    ArticleViewCount.objects.update_or_create(
        article=story, hour=popularity.current_hour(timezone.now()), defaults={"views": 50}
    )
    popularity.refresh_most_read()


@pytest.mark.parametrize("surface", list(SURFACES))
def test_story_is_on_each_surface_only_between_its_publication_and_its_expiry(client, newsroom, surface):
    check = SURFACES[surface]
    clock = newsroom["clock"]

    assert check(client, newsroom) is False, "shown before its publication time"

    clock.move_to(PUBLISH_AT - datetime.timedelta(seconds=1))
    assert check(client, newsroom) is False, "shown a second before its publication time"

    clock.move_to(DURING)
    _read_by_readers(newsroom["story"])
    assert check(client, newsroom) is True, "not shown while published"

    clock.move_to(UNPUBLISH_AT)
    assert check(client, newsroom) is False, "still shown at its expiry time"

    clock.move_to(AFTER)
    assert check(client, newsroom) is False, "shown after its expiry time"


def test_comments_cannot_be_posted_on_an_embargoed_or_expired_story(client, newsroom):
    from comments.models import Comment
    from comments.tests.conftest import form_data

    story, clock = newsroom["story"], newsroom["clock"]

    def post():
        return client.post(f"/comments/post/{story.pk}/", form_data(story), REMOTE_ADDR="203.0.113.7")

    assert post().status_code == 404
    clock.move_to(DURING)
    assert post().status_code == 302
    clock.move_to(AFTER)
    assert post().status_code == 404
    assert Comment.objects.filter(article=story).count() == 1  # the one posted while it was out


def test_newsletter_digest_leaves_out_an_embargoed_and_an_expired_story(newsroom):
    from newsletter.digests import articles_for
    from newsletter.models import Mailing

    story, clock = newsroom["story"], newsroom["clock"]

    def in_digest():
        mailing = Mailing(kind=Mailing.Kind.DIGEST, covers_until=timezone.now())
        shown = articles_for(mailing, "ar", since=NOON - datetime.timedelta(days=2))
        return story.pk in [article.pk for article in shown]

    assert in_digest() is False
    clock.move_to(DURING)
    assert in_digest() is True
    clock.move_to(AFTER)
    assert in_digest() is False


def test_breaking_news_line_of_a_story_ends_with_the_story(client, newsroom):
    story, clock = newsroom["story"], newsroom["clock"]
    clock.move_to(DURING)
    BreakingNews.objects.create(
        article=story, starts_at=DURING, expires_at=AFTER + datetime.timedelta(hours=1)
    )
    assert BreakingNews.objects.active().filter(article=story).exists()
    assert story.title_ar in client.get("/").content.decode()
    clock.move_to(AFTER)
    assert not BreakingNews.objects.active().filter(article=story).exists()


def test_staff_still_preview_an_expired_story_marked_as_not_shown(client, newsroom, editor_user):
    story, clock = newsroom["story"], newsroom["clock"]
    clock.move_to(AFTER)
    client.force_login(editor_user)
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    assert 'class="preview-banner"' in response.content.decode()
    assert response["X-Robots-Tag"] == "noindex"


def test_an_expiry_before_the_publication_time_is_refused(make_article):
    from django.core.exceptions import ValidationError

    article = make_article()
    article.unpublish_at = article.published_at - datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError) as error:
        article.full_clean()
    assert "unpublish_at" in error.value.message_dict


def test_a_cached_page_lives_no_longer_than_the_next_scheduled_change(client, newsroom, settings):
    """The page cache's lifetime for a cache in front stops at the next publication or expiry
    time (``seconds_until_due``): no page is served past the time it changes."""
    if "redis" in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("Redis judges what is due by its own clock")
    from kawalis.readercache import get_store

    clock = newsroom["clock"]
    assert get_store().seconds_until_due() == pytest.approx(3600)
    clock.move_to(DURING)
    client.get("/")  # a read after the publication time makes it stale and drops it from the due list
    assert get_store().seconds_until_due() == pytest.approx(3600)
    max_age = re.search(r"max-age=(\d+)", client.get("/").get("Cache-Control", ""))
    assert max_age is None or int(max_age.group(1)) <= 3600
