"""A reader posts a comment: post/redirect/get, moderation, and every kind of bad input."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from articles.models import Article
from comments.models import Comment

from .conftest import form_data


def test_new_comment_is_pending_and_reader_is_redirected_to_the_notice(client, make_article, post_comment):
    article = make_article()
    response = post_comment(article, body="رأي في الموضوع")
    assert response.status_code == 302
    assert response.url.startswith(article.get_absolute_url() + "?comment=")
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.PENDING
    assert comment.body == "رأي في الموضوع"
    assert comment.language == "ar"
    page = client.get(response.url).content.decode()
    assert "في انتظار المراجعة" in page or "awaiting moderation" in page


def test_pending_comment_is_hidden_from_readers(client, make_article, post_comment):
    article = make_article()
    post_comment(article, body="نص ينتظر الموافقة")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "نص ينتظر الموافقة" not in html
    assert 'class="comments-count">(0)' in html


def test_forged_notice_flag_shows_no_notice(client, make_article):
    article = make_article()
    html = client.get(article.get_absolute_url(), {"comment": "forged"}).content.decode()
    assert "comment-notice-pending" not in html


def test_post_moderation_setting_publishes_at_once(client, make_article, post_comment, settings):
    settings.COMMENTS_POST_MODERATION = True
    article = make_article()
    response = post_comment(article, body="يظهر فورا")
    assert Comment.objects.get().status == Comment.Status.APPROVED
    assert "يظهر فورا" in client.get(response.url).content.decode()


def test_request_facts_are_stored_privacy_friendly(make_article, post_comment):
    article = make_article()
    post_comment(article, address="198.51.100.77")
    comment = Comment.objects.get()
    assert comment.ip_network == "198.51.100.0/24"
    assert comment.user_agent == "Mozilla/5.0 (test)"


def test_email_is_never_shown_on_the_page(client, make_article, make_comment):
    article = make_article()
    make_comment(article, email="secret.reader@example.com")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "secret.reader" not in html


def test_french_reader_comment_is_stored_in_french(make_article, client):
    article = make_article(title_fr="Titre", body_fr="<p>Texte</p>")
    response = client.post(f"/fr/comments/post/{article.pk}/", form_data(article, body="Très juste."))
    assert response.status_code == 302
    assert response.url.startswith("/fr/")
    assert Comment.objects.get().language == "fr"


BAD_INPUT = [
    ("empty name", {"name": ""}, "name"),
    ("whitespace-only name", {"name": "   \t "}, "name"),
    ("empty comment", {"body": ""}, "body"),
    ("whitespace-only comment", {"body": " \n\n  "}, "body"),
    ("over-long name", {"name": "ن" * 61}, "name"),
    ("over-long comment", {"body": "ك" * 3001}, "body"),
    ("invalid e-mail", {"email": "not-an-address"}, "email"),
    ("e-mail with a newline", {"email": "a@example.com\nBcc: victim@example.com"}, "email"),
    ("e-mail with a trailing newline", {"email": "a@example.com\n"}, "email"),
    ("script tag", {"body": "hello <script>alert(1)</script>"}, "body"),
    ("img onerror", {"body": '<img src=x onerror="alert(1)">'}, "body"),
    ("javascript link", {"body": "click javascript:alert(document.cookie)"}, "body"),
    ("bidi override in name", {"name": "\u202enimda"}, "name"),
    ("isolate in name", {"name": "Ali\u2067"}, "name"),
    ("zero-width space in name", {"name": "ad\u200bmin"}, "name"),
    ("zero-width joiner in name", {"name": "ad\u200dmin"}, "name"),
    ("bidi override in body", {"body": "see \u202eetis"}, "body"),
    ("NUL byte in name", {"name": "Ali\x00"}, "name"),
    ("NUL byte in body", {"body": "hello\x00world"}, "body"),
]


@pytest.mark.parametrize(("case", "fields", "field"), BAD_INPUT, ids=[case for case, _f, _x in BAD_INPUT])
def test_bad_input_is_refused_with_a_translated_error_and_nothing_stored(
    make_article, post_comment, case, fields, field
):
    article = make_article()
    response = post_comment(article, **fields)
    assert response.status_code == 200
    assert Comment.objects.count() == 0
    form = response.context["form"]
    assert field in form.errors
    html = response.content.decode()
    # The message is in Arabic (the reader's language), not English.
    assert any("\u0600" <= char <= "\u06ff" for char in form.errors[field][0])
    assert 'role="alert"' in html
    assert "<script>alert" not in html


def test_the_word_javascript_in_a_sentence_is_fine(make_article, post_comment):
    article = make_article()
    assert post_comment(article, body="I like JavaScript: it is fast.").status_code == 302


def test_form_comes_back_with_every_word_typed(make_article, post_comment):
    article = make_article()
    long_body = "هذا تعليق طويل كتبه القارئ بعناية " * 3
    response = post_comment(
        article, name="فاطمة الزهراء", email="bad address", body=long_body, notify_replies="on"
    )
    html = response.content.decode()
    assert 'value="فاطمة الزهراء"' in html
    assert 'value="bad address"' in html
    assert long_body.strip() in html
    assert 'name="notify_replies" id="id_notify_replies" checked' in html


def test_refused_form_shows_typed_markup_escaped(make_article, post_comment):
    article = make_article()
    response = post_comment(article, body='<img src=x onerror="alert(1)">')
    html = response.content.decode()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    assert "<img src=x" not in html


def test_a_cross_site_post_is_refused_with_403_and_saves_nothing(make_article):
    article = make_article()
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        f"/comments/post/{article.pk}/",
        form_data(article),
        headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
    )
    assert response.status_code == 403
    assert response["Cache-Control"] == "private, no-store"
    assert "لم يُرسَل" in response.content.decode()  # our page, in the reader's language
    assert Comment.objects.count() == 0


def test_the_form_on_the_article_page_posts_as_a_browser_sends_it(make_article):
    article = make_article()
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(article.get_absolute_url())
    assert "csrfmiddlewaretoken" not in page.content.decode()  # the shared page holds no secret
    assert not page.cookies  # and gives the reader no cookie
    response = browser.post(
        f"/comments/post/{article.pk}/",
        form_data(article),
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
    )
    assert response.status_code == 302
    assert Comment.objects.count() == 1


def test_post_to_unknown_article_is_404(db, client):
    response = client.post("/comments/post/999999/", {"name": "x"})
    assert response.status_code == 404


def test_post_to_unpublished_article_is_404(make_article, post_comment):
    draft = make_article(status=Article.Status.DRAFT)
    scheduled = make_article(published_at=timezone.now() + timezone.timedelta(days=1))
    assert post_comment(draft).status_code == 404
    assert post_comment(scheduled).status_code == 404
    assert Comment.objects.count() == 0


def test_post_to_closed_article_is_refused_and_keeps_the_text(make_article, post_comment):
    article = make_article(comments_open=False)
    response = post_comment(article, body="نص لا أريد أن أفقده")
    assert response.status_code == 403
    html = response.content.decode()
    assert "التعليقات مغلقة" in html
    assert "نص لا أريد أن أفقده" in html
    assert Comment.objects.count() == 0


def test_comments_close_after_the_configured_number_of_days(make_article, post_comment, settings, client):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    old = make_article(published_at=timezone.now() - timezone.timedelta(days=31))
    recent = make_article(published_at=timezone.now() - timezone.timedelta(days=29))
    assert post_comment(old).status_code == 403
    assert post_comment(recent).status_code == 302
    assert 'class="comment-form"' not in client.get(old.get_absolute_url()).content.decode()


def test_closed_article_still_shows_its_comments_and_says_closed(client, make_article, make_comment):
    article = make_article(comments_open=False)
    make_comment(article, body="تعليق قديم منشور")
    html = client.get(article.get_absolute_url()).content.decode()
    assert "تعليق قديم منشور" in html
    assert "comments-closed" in html
    assert 'class="comment-form"' not in html


def test_get_on_the_post_url_goes_back_to_the_article(make_article, client):
    article = make_article()
    response = client.get(f"/comments/post/{article.pk}/")
    assert response.status_code == 302
    assert response.url.startswith(article.get_absolute_url())


def test_reply_is_stored_under_its_parent_and_thread(make_article, make_comment, post_comment):
    article = make_article()
    parent = make_comment(article)
    response = post_comment(article, parent=str(parent.pk), body="ردي على التعليق")
    assert response.status_code == 302
    reply = Comment.objects.get(body="ردي على التعليق")
    assert reply.parent == parent
    assert reply.thread == parent
    assert reply.depth == 1


def test_reply_to_a_comment_of_another_article_is_refused(make_article, make_comment, post_comment):
    article, other = make_article(), make_article()
    foreign = make_comment(other)
    response = post_comment(article, parent=str(foreign.pk))
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("status", [Comment.Status.PENDING, Comment.Status.REJECTED, Comment.Status.SPAM])
def test_reply_to_a_comment_not_approved_is_refused(make_article, make_comment, post_comment, status):
    article = make_article()
    hidden = make_comment(article, status=status)
    response = post_comment(article, parent=str(hidden.pk))
    assert "parent" in response.context["form"].errors
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("value", ["abc", "-1", "1" * 40, "999999"])
def test_nonsense_parent_is_a_form_error_not_a_crash(make_article, post_comment, value):
    article = make_article()
    response = post_comment(article, parent=value)
    assert response.status_code == 200
    assert Comment.objects.count() == 0


def test_replies_stop_nesting_at_the_maximum_depth(make_article, make_comment, post_comment, settings):
    settings.COMMENTS_MAX_DEPTH = 3
    article = make_article()
    top = make_comment(article)
    child = make_comment(article, parent=top)
    grandchild = make_comment(article, parent=child)
    post_comment(article, parent=str(grandchild.pk), body="رد في العمق")
    deepest = Comment.objects.get(body="رد في العمق")
    assert deepest.parent == child
    assert deepest.depth == 2
    assert deepest.thread == top


def test_reply_link_preselects_the_parent_in_the_form(client, make_article, make_comment):
    article = make_article()
    parent = make_comment(article, name="سعيد")
    html = client.get(article.get_absolute_url(), {"replyto": parent.pk}).content.decode()
    assert f'name="parent" value="{parent.pk}"' in html
    assert "<bdi>سعيد</bdi>" in html


@pytest.mark.parametrize("value", ["abc", "99999999", "", "1" * 30])
def test_bad_reply_target_in_the_address_answers_the_page(client, make_article, value):
    article = make_article()
    assert client.get(article.get_absolute_url(), {"replyto": value}).status_code == 200


def test_redirect_query_carries_only_a_signed_flag(make_article, post_comment):
    article = make_article()
    response = post_comment(article)
    query = parse_qs(urlsplit(response.url).query)
    assert list(query) == ["comment"]
    assert str(Comment.objects.get().pk) not in query["comment"][0].split(":")[0]
