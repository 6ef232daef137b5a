"""The comment block on the article page: safe text, threads, pagination, a flat query count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.formatting import comment_html
from comments.models import Comment
from kawalis.readercache.testing import tag_versions


def test_script_in_a_body_is_shown_as_text(client, make_article, make_comment):
    article = make_article()
    make_comment(article, body='<script>alert("x")</script> <img src=x onerror=alert(1)>')
    html = client.get(article.get_absolute_url()).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html


def test_javascript_link_stays_text(make_article):
    html = comment_html("javascript:alert(1) and JaVaScRiPt:evil()")
    assert "<a" not in html
    assert "javascript:alert(1)" in html


def test_web_addresses_become_nofollow_links():
    html = comment_html("see https://example.com/a?b=1&c=2, and www.example.org.")
    assert '<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow ugc noopener">' in html
    assert '<a href="https://www.example.org" rel="nofollow ugc noopener">www.example.org</a>.' in html


def test_a_link_cannot_break_out_of_its_attribute():
    html = comment_html('https://example.com/"onmouseover="alert(1)')
    assert 'onmouseover="' not in html


def test_blank_lines_make_paragraphs_and_newlines_breaks():
    assert comment_html("سطر أول\nسطر ثان\n\nفقرة ثانية") == "<p>سطر أول<br>سطر ثان</p><p>فقرة ثانية</p>"


def test_heading_shows_share_your_comment_with_the_approved_count(client, make_article, make_comment):
    article = make_article()
    make_comment(article)
    make_comment(article, parent=make_comment(article))
    make_comment(article, status=Comment.Status.PENDING)
    make_comment(article, status=Comment.Status.SPAM)
    html = client.get(article.get_absolute_url()).content.decode()
    assert 'شارك بتعليقك <span class="comments-count">(3)</span>' in html


@pytest.mark.parametrize(
    ("prefix", "heading"), [("/fr", "Partagez votre commentaire"), ("/en", "Share your comment")]
)
def test_heading_is_translated(client, make_article, prefix, heading):
    article = make_article(title_fr="Titre", title_en="Title")
    with_prefix = client.get(prefix + article.get_absolute_url())
    assert heading in with_prefix.content.decode()


def test_comments_are_oldest_first_with_replies_under_their_parent(client, make_article, make_comment):
    article = make_article()
    first = make_comment(article, body="الأول")
    second = make_comment(article, body="الثاني")
    reply = make_comment(article, parent=first, body="رد على الأول")
    make_comment(article, parent=reply, body="رد على الرد")
    html = client.get(article.get_absolute_url()).content.decode()
    assert html.index("الأول") < html.index("رد على الأول") < html.index("رد على الرد") < html.index("الثاني")
    first_item = html[html.index(f'id="comment-{first.pk}"') : html.index(f'id="comment-{second.pk}"')]
    assert 'class="comment-replies"' in first_item
    assert "رد على الرد" in first_item


def test_approved_reply_under_a_hidden_parent_is_not_shown(client, make_article, make_comment):
    article = make_article()
    parent = make_comment(article)
    make_comment(article, parent=parent, body="رد يتيم")
    parent.status = Comment.Status.REJECTED
    parent.save()
    assert "رد يتيم" not in client.get(article.get_absolute_url()).content.decode()


def test_names_are_isolated_from_the_text_around_them(client, make_article, make_comment):
    article = make_article()
    make_comment(article, name="Ali")
    assert '<bdi class="comment-author">Ali</bdi>' in client.get(article.get_absolute_url()).content.decode()


def test_threads_are_paginated_past_the_threshold(client, make_article, make_comment, settings):
    settings.COMMENTS_PER_PAGE = 2
    article = make_article()
    for n in range(5):
        make_comment(article, body=f"خيط {n}")
    first = client.get(article.get_absolute_url()).content.decode()
    last = client.get(article.get_absolute_url(), {"cpage": "3"}).content.decode()
    assert "خيط 0" in first and "خيط 2" not in first
    assert "خيط 4" in last and "خيط 0" not in last
    assert 'href="?cpage=2#comments"' in first
    assert 'class="comments-count">(5)' in last


@pytest.mark.parametrize("value", ["abc", "-1", "0", "99999", "1" * 40, "%00"])
def test_bad_comment_page_numbers_answer_not_found(client, make_article, make_comment, settings, value):
    settings.COMMENTS_PER_PAGE = 1
    article = make_article()
    make_comment(article)
    make_comment(article)
    assert client.get(article.get_absolute_url(), {"cpage": "2"}).status_code == 200
    assert client.get(article.get_absolute_url(), {"cpage": value}).status_code == 404


def _queries_for_article_page(client, article):
    from django.core.cache import cache

    cache.clear()  # the page from an empty readers' cache: all of its parts rendered
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return len(queries)


def _add_comments(article, count, replies_each=1):
    roots = Comment.objects.bulk_create(
        Comment(article=article, name=f"n{n}", email=f"e{n}@example.com", body=f"b{n}", status="approved")
        for n in range(count)
    )
    Comment.objects.bulk_create(
        Comment(
            article=article,
            parent=root,
            thread=root,
            depth=1,
            name="r",
            email="r@example.com",
            body=f"reply {root.pk}-{k}",
            status="approved",
        )
        for root in roots
        for k in range(replies_each)
    )


def test_article_page_query_count_does_not_grow_with_comments(client, make_article):
    counts = []
    for comments in (1, 50, 500):
        article = make_article()
        _add_comments(article, comments, replies_each=2)
        counts.append(_queries_for_article_page(client, article))
    assert counts[0] == counts[1] == counts[2]
    assert counts[0] <= 12


def test_a_page_of_threads_with_their_replies_costs_two_queries(rf, make_article, settings):
    from django.template import Context, Template

    settings.COMMENTS_PER_PAGE = 3
    article = make_article()
    _add_comments(article, 7, replies_each=2)
    roots = list(Comment.objects.filter(article=article, parent=None).order_by("created_at", "id"))
    template = Template("{% load comments %}{% comment_list article %}")

    with CaptureQueriesContext(connection) as queries:
        html = template.render(Context({"article": article, "request": rf.get("/", {"cpage": "2"})}))

    assert len(queries) == 2  # the counts; the page's threads and all their replies
    shown = [root for root in roots if f"<p>{root.body}</p>" in html]
    assert [root.body for root in shown] == ["b3", "b4", "b5"]
    for root in roots:
        replies_shown = [f"reply {root.pk}-{k}" in html for k in range(2)]
        assert replies_shown == ([True, True] if root in shown else [False, False])


def test_posting_leaves_cached_pages_alone_until_approval(make_article, post_comment):
    article = make_article()
    before = tag_versions(f"comments:{article.pk}")
    post_comment(article)
    assert tag_versions(f"comments:{article.pk}") == before
    Comment.objects.all().set_status(Comment.Status.APPROVED)
    assert tag_versions(f"comments:{article.pk}") != before
