"""Caching for readers: a spike costs little database work, changes show at once, forms work.

Project-level because it spans articles, comments and the newsletter: each app's events must
reach the cached pages.
"""

import re
import time

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.core.cache import cache
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from comments.spam import TOKEN_SALT, issue_form_token
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured), response.content.decode()


@pytest.fixture
def busy_article(make_article, make_category):
    """An article with a few approved comments and replies on a site with some archive."""
    category = make_category()
    for _n in range(15):
        make_article(category=category)
    article = make_article(title_ar="الخبر الذي يقرؤه الجميع", category=category, published_at=timezone.now())
    for n in range(6):
        parent = Comment.objects.create(
            article=article, name=f"قارئ {n}", email=f"r{n}@example.com", body=f"تعليق {n}", status="approved"
        )
        Comment.objects.create(
            article=article, parent=parent, name="مجيب", email="x@example.com", body="رد", status="approved"
        )
    return article


def reader_urls(article):
    return [article.get_absolute_url(), "/", "/fr/", article.category.get_absolute_url()]


def test_a_warm_reader_page_needs_no_database_query(client, busy_article):
    for url in reader_urls(busy_article):
        client.get(url)
        count, _html = queries_for(Client(), url)  # another reader, no cookies
        assert count == 0, url


def test_without_the_page_cache_pages_are_rendered_each_time_from_cached_parts(settings, busy_article):
    from unittest import mock

    from articles import views

    settings.READER_PAGE_CACHE = False
    for url in reader_urls(busy_article):
        Client().get(url)
        with mock.patch.object(views, "render", wraps=views.render) as render:
            count, _html = queries_for(Client(), url)
        assert render.call_count == 1, url  # rendered afresh, not served whole
        assert count == 0, url  # every part came from the cache


def test_rendered_article_pages_reuse_the_header_only_for_the_same_address(settings, busy_article):
    from unittest import mock

    from django import urls

    settings.READER_PAGE_CACHE = False
    url = busy_article.get_absolute_url()
    french = f"/fr{url}"

    with_query = Client().get(url, {"cpage": "1"}).content.decode()
    plain = Client().get(url).content.decode()
    with mock.patch.object(urls, "translate_url", wraps=urls.translate_url) as translated:
        assert Client().get(url).content.decode().count(f'href="{french}"') == 1
        cached_header = translated.call_count
        Client().get(url, {"cpage": "1"})
        with_query_again = translated.call_count - cached_header

    assert f'href="{french}?cpage=1"' in with_query  # the language links keep the query...
    assert f'href="{french}"' in plain and "?cpage=1" not in plain  # ...never cached for another
    assert cached_header == 0  # the plain address's header came from the cache
    assert with_query_again == 3  # an address with a query renders its own, each time


def cold_query_counts(article):
    """Queries per reader page with an empty cache, and when it is the first page seen after
    another one (which filled the parts every page shares: menu, breaking news, most read)."""
    counts = {}
    for url in reader_urls(article):
        cache.clear()
        empty, _html = queries_for(Client(), url)
        cache.clear()
        Client().get("/?page=2" if url != "/?page=2" else "/")
        counts[url] = (empty, queries_for(Client(), url)[0])
    return counts


def test_a_reader_page_takes_at_most_ten_queries_even_from_an_empty_cache(busy_article):
    from articles.models import Tag
    from articles.see_also import MAX_TAGS_CONSIDERED

    # Tags add "see also" sources: the article carries the most the block considers.
    busy_article.tags.set(
        [Tag.objects.create(name_ar=f"وسم {n}") for n in range(3)],
        through_defaults={"article_published_at": busy_article.published_at},
    )
    for url, (empty, first_view) in cold_query_counts(busy_article).items():
        assert first_view <= empty, url
        if connection.features.supports_slicing_ordering_in_compound:
            assert empty <= 10, url
        else:  # SQLite reads each "see also" source in a query of its own
            assert empty <= 10 + 1 + MAX_TAGS_CONSIDERED, url


def test_cold_query_counts_do_not_grow_with_archive_or_comments(busy_article, make_article):
    before = cold_query_counts(busy_article)
    for _n in range(30):
        make_article(category=busy_article.category)
    for n in range(40):
        Comment.objects.create(
            article=busy_article, name="ق", email=f"m{n}@example.com", body=f"ت {n}", status="approved"
        )

    assert cold_query_counts(busy_article) == before


def test_while_one_request_renders_a_changed_page_the_others_get_the_previous_copy(busy_article):
    from unittest import mock

    from articles import views
    from kawalis.readercache import pages as reader_cache

    url = busy_article.get_absolute_url()
    Client().get(url)
    busy_article.title_ar = "عنوان محدث"
    busy_article.save()  # the stored page is now stale

    renders = []
    real_render = views.render

    def render_while_another_reader_arrives(*args, **kwargs):
        renders.append(True)
        if len(renders) == 1:  # the first request is rendering: a second reader arrives now
            count, html = queries_for(Client(), url)
            assert count == 0  # served the previous copy: no query...
            assert "الخبر الذي يقرؤه الجميع" in html and "عنوان محدث" not in html
        return real_render(*args, **kwargs)

    with mock.patch.object(views, "render", render_while_another_reader_arrives):
        first = Client().get(url).content.decode()
        later = Client().get(url).content.decode()

    assert len(renders) == 1  # ...and not rendered by the second reader nor by the later one
    assert "عنوان محدث" in first and "عنوان محدث" in later
    assert reader_cache.REBUILD_CLAIM_SECONDS <= 10


def test_an_unpublished_article_is_never_served_from_a_previous_copy(busy_article):
    from kawalis.readercache import get_store
    from kawalis.readercache.pages import page_key

    url = busy_article.get_absolute_url()
    Client().get(url)
    busy_article.status = Article.Status.DRAFT
    busy_article.save()

    assert Client().get(url).status_code == 404  # renders, finds it gone, forgets the copy
    request = RequestFactory().get(url)
    request.LANGUAGE_CODE = "ar"
    get_store().claim(page_key("ar", request), 10)  # as if someone were rendering it
    assert Client().get(url).status_code == 404


def test_a_published_edit_is_visible_at_once(client, busy_article):
    url = busy_article.get_absolute_url()
    client.get(url)

    busy_article.title_ar = "عنوان مصحح"
    busy_article.save()

    assert "عنوان مصحح" in client.get(url).content.decode()
    assert "عنوان مصحح" in client.get("/").content.decode()


def test_unpublishing_removes_the_article_from_cached_pages_at_once(client, busy_article):
    client.get("/")
    client.get(busy_article.get_absolute_url())

    busy_article.status = Article.Status.DRAFT
    busy_article.save()

    assert client.get(busy_article.get_absolute_url()).status_code == 404
    assert busy_article.title_ar not in client.get("/").content.decode()


def test_a_newly_published_article_appears_on_the_cached_home_page(client, busy_article, make_article):
    client.get("/")
    make_article(title_ar="خبر عاجل جديد", category=busy_article.category, published_at=timezone.now())
    assert "خبر عاجل جديد" in client.get("/").content.decode()


def test_an_approved_comment_appears_on_the_cached_page(client, busy_article):
    url = busy_article.get_absolute_url()
    comment = Comment.objects.create(
        article=busy_article, name="سعاد", email="s@example.com", body="تعليق ينتظر", status="pending"
    )
    assert "تعليق ينتظر" not in client.get(url).content.decode()

    Comment.objects.filter(pk=comment.pk).set_status(Comment.Status.APPROVED)

    assert "تعليق ينتظر" in client.get(url).content.decode()


def test_staff_bypass_the_cache(client, busy_article):
    url = busy_article.get_absolute_url()
    client.get(url)
    # A change that skips save() (and so the invalidation): only an uncached read can see it.
    Article.objects.filter(pk=busy_article.pk).update(title_ar="تعديل لا يراه إلا المحرر")
    editor = Client()
    editor.force_login(User.objects.create_superuser("chief", "chief@example.com", "pass-phrase-77"))

    assert "تعديل لا يراه إلا المحرر" in editor.get(url).content.decode()
    assert "تعديل لا يراه إلا المحرر" not in Client().get(url).content.decode()


def hidden(html, name):
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


# What a browser sends with a form posted from one of the site's own pages.
FROM_OUR_PAGE = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}


def test_a_cached_page_still_accepts_a_comment_and_shows_the_moderation_notice(busy_article):
    url = busy_article.get_absolute_url()
    Client().get(url)  # an earlier reader warmed the cache
    reader = Client(enforce_csrf_checks=True)
    count, html = queries_for(reader, url)
    assert count == 0  # served from the cache...
    form = html[html.index('id="respond"') if 'id="respond"' in html else 0 :]

    assert "csrfmiddlewaretoken" not in form  # ...holding no reader's secret

    response = reader.post(
        f"/comments/post/{busy_article.pk}/",
        {
            "token": issue_form_token(busy_article.pk, issued_at=time.time() - 60),
            "name": "قارئة جديدة",
            "email": "new@example.com",
            "body": "تعليقي على الخبر",
            "parent": "",
            "website": "",
        },
        headers=FROM_OUR_PAGE,
    )

    assert response.status_code == 302
    assert Comment.objects.filter(body="تعليقي على الخبر", status="pending").exists()
    page = reader.get(response["Location"]).content.decode()
    assert "moderation-notice" in page or "ينتظر" in page or "مراجعة" in page


def test_cached_forms_get_a_fresh_time_token_and_accept_every_readers_posts(
    settings, busy_article, time_machine, django_capture_on_commit_callbacks
):
    from unittest import mock

    from comments.templatetags import comments as comment_tags

    settings.READER_PAGE_CACHE = False  # pages rendered each time: the forms come from cached parts
    url = busy_article.get_absolute_url()
    time_machine.move_to(timezone.now(), tick=False)
    stored_at = int(time.time())
    Client().get(url)  # the first reader's render stores the form fragments
    time_machine.shift(30)  # within READER_CACHE_SECONDS: the fragments are still cached
    readers = [Client(enforce_csrf_checks=True) for _n in range(2)]
    with mock.patch.object(comment_tags, "CommentForm", wraps=comment_tags.CommentForm) as built:
        pages = [reader.get(url).content.decode() for reader in readers]
    assert built.call_count == 0  # the comment form came from the cache...

    assert not any("csrfmiddlewaretoken" in page for page in pages)  # ...with no reader's secret,
    issued = [signing.loads(hidden(page, "token"), salt=TOKEN_SALT)["t"] for page in pages]
    assert min(issued) == stored_at + 30  # and a time token issued now, not when stored
    for n, (reader, page) in enumerate(zip(readers, pages, strict=True)):
        footer = page[page.index('class="newsletter-signup"') :]
        with django_capture_on_commit_callbacks(execute=True):  # the worker records the signup
            signed_up = reader.post(
                footer.split('action="', 1)[1].split('"', 1)[0],
                {"email": f"r{n}@example.com"},
                headers=FROM_OUR_PAGE,
            )
        assert signed_up.status_code == 302
        time_machine.shift(60)  # a person takes a while to type
        posted = reader.post(
            f"/comments/post/{busy_article.pk}/",
            {
                "token": hidden(page, "token"),
                "name": f"قارئ {n}",
                "email": f"c{n}@example.com",
                "body": f"تعليق القارئ {n}",
                "parent": "",
                "website": "",
            },
            headers=FROM_OUR_PAGE,
        )
        assert posted.status_code == 302, posted.content.decode()[:300]
    assert Comment.objects.filter(body__startswith="تعليق القارئ", status="pending").count() == 2
    assert Subscriber.objects.filter(email__in=["r0@example.com", "r1@example.com"]).count() == 2


def test_a_cached_page_still_accepts_a_newsletter_signup(busy_article, django_capture_on_commit_callbacks):
    url = busy_article.get_absolute_url()
    Client().get(url)
    reader = Client(enforce_csrf_checks=True)
    count, html = queries_for(reader, url)
    assert count == 0
    assert "newsletter-signup__form" in html

    with django_capture_on_commit_callbacks(execute=True):  # the worker records the signup
        response = reader.post("/newsletter/", {"email": "fan@example.com"}, headers=FROM_OUR_PAGE)

    assert response.status_code == 302
    assert Subscriber.objects.filter(email="fan@example.com").exists()


def test_a_whole_cached_page_gets_a_fresh_time_token_and_no_cookie(busy_article):
    url = busy_article.get_absolute_url()
    first = Client().get(url).content.decode()
    before = int(time.time())
    reader = Client()
    count, second = queries_for(reader, url)

    assert count == 0
    assert "csrfmiddlewaretoken" not in first + second
    assert not reader.cookies  # a reader of shared pages gets no cookie at all
    assert second.count('class="comment-form"') == 1 and second.count("newsletter-signup__form") == 1
    issued = signing.loads(hidden(second, "token"), salt=TOKEN_SALT)["t"]
    assert issued >= before  # the anti-spam time token is issued when served, not when cached
    # Anything but page selectors renders afresh (moderation notices, reply targets).
    count, _html = queries_for(Client(), f"{url}?replyto=1")
    assert count > 0
