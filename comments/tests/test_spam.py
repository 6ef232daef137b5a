"""Spam and flood defence: each refusal is clear and translated, the flood answers 429."""

import time

import pytest

from comments import spam
from comments.models import BlockedWord, Comment

from .conftest import form_data


def test_honeypot_filled_is_refused(make_article, post_comment):
    article = make_article()
    response = post_comment(article, website="http://spam.example")
    assert response.status_code == 200
    assert "تعذر قبول تعليقك" in response.content.decode()
    assert Comment.objects.count() == 0


def test_form_sent_too_fast_is_refused_and_kept(make_article, post_comment):
    article = make_article()
    response = post_comment(article, token=spam.issue_form_token(article.pk), body="كتبته بسرعة")
    html = response.content.decode()
    assert "بسرعة كبيرة" in html
    assert "كتبته بسرعة" in html
    assert Comment.objects.count() == 0


def test_form_too_old_is_refused_with_a_fresh_token_to_send_again(make_article, post_comment, settings):
    article = make_article()
    old = spam.issue_form_token(article.pk, issued_at=time.time() - settings.COMMENTS_FORM_MAX_AGE - 5)
    response = post_comment(article, token=old)
    assert "انتهت صلاحية" in response.content.decode()
    fresh = response.context["form"].data["token"]
    assert fresh != old
    assert spam.check_form_token(fresh, article.pk, now=time.time() + 60) is None


@pytest.mark.parametrize("token", ["", "garbage", "a:b:c"])
def test_missing_or_forged_token_is_refused(make_article, post_comment, token):
    article = make_article()
    response = post_comment(article, token=token)
    assert response.status_code == 200
    assert Comment.objects.count() == 0


def test_token_of_another_article_is_refused(make_article, post_comment):
    article, other = make_article(), make_article()
    response = post_comment(article, token=spam.issue_form_token(other.pk, issued_at=time.time() - 60))
    assert response.status_code == 200
    assert Comment.objects.count() == 0


def test_too_many_links_send_the_comment_to_spam(make_article, post_comment, settings):
    settings.COMMENTS_MAX_LINKS = 2
    article = make_article()
    body = "https://a.example/1 https://b.example/2 www.c.example"
    response = post_comment(article, body=body)
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.status == Comment.Status.SPAM
    assert "links" in comment.spam_reason


def test_two_links_are_allowed(make_article, post_comment):
    article = make_article()
    post_comment(article, body="https://a.example/1 and https://b.example/2")
    assert Comment.objects.get().status == Comment.Status.PENDING


def test_blocked_word_gets_the_comment_refused(make_article, post_comment):
    BlockedWord.objects.create(word="كازينو")
    article = make_article()
    response = post_comment(article, body="أفضل كازينو في المدينة")
    assert "إعادة صياغته" in response.content.decode()
    assert Comment.objects.count() == 0


def test_blocked_words_match_whole_words_in_any_case(make_article, post_comment):
    BlockedWord.objects.create(word="Viagra")
    article = make_article()
    post_comment(article, body="cheap VIAGRA here", email="one@example.com")
    post_comment(article, body="aviagrass is a plant", email="two@example.com")
    assert list(Comment.objects.values_list("email", flat=True)) == ["two@example.com"]


def test_a_word_added_in_the_admin_applies_at_once(make_article, post_comment):
    article = make_article()
    post_comment(article, body="كلمة عادية", email="first@example.com")  # loads the list in the cache
    BlockedWord.objects.create(word="عادية")
    post_comment(article, body="كلمة عادية أخرى", email="second@example.com")
    assert Comment.objects.count() == 1


def test_duplicate_comment_is_refused(make_article, post_comment):
    article = make_article()
    post_comment(article, body="نفس الكلام")
    response = post_comment(article, body="  نفس   الكلام ")
    assert "سبق أن أرسلت" in response.content.decode()
    assert Comment.objects.count() == 1


def test_same_words_from_someone_else_are_not_a_duplicate(make_article, post_comment):
    article = make_article()
    post_comment(article, body="أتفق", email="a@example.com", address="203.0.113.1")
    post_comment(article, body="أتفق", email="b@example.com", address="198.51.100.1")
    assert Comment.objects.count() == 2


def test_rate_limit_per_email_answers_429(make_article, post_comment, settings):
    settings.COMMENTS_RATE_LIMIT_EMAIL = 2
    article = make_article()
    statuses = [
        post_comment(article, body=f"تعليق {n}", address=f"198.51.100.{n}").status_code for n in range(4)
    ]
    assert statuses == [302, 302, 429, 429]
    assert Comment.objects.count() == 2


def test_flood_from_one_address_is_held_at_the_limit(make_article, client, settings):
    settings.COMMENTS_RATE_LIMIT_IP = 10
    settings.COMMENTS_RATE_LIMIT_EMAIL = 1000
    article = make_article()
    statuses = []
    for n in range(200):
        response = client.post(
            f"/comments/post/{article.pk}/",
            form_data(article, body=f"إغراق {n}", email=f"bot{n}@example.com"),
            REMOTE_ADDR="192.0.2.50",
        )
        statuses.append(response.status_code)
    assert statuses.count(302) == 10
    assert statuses.count(429) == 190
    assert set(statuses) == {302, 429}
    assert Comment.objects.count() == 10
    # The refusal is a page in the reader's language that keeps the typed text.
    assert "أرسلت عددا كبيرا من التعليقات" in response.content.decode()
    assert "إغراق 199" in response.content.decode()
    assert response["Retry-After"] == str(settings.COMMENTS_RATE_WINDOW)
    # Another address is not affected.
    other = client.post(f"/comments/post/{article.pk}/", form_data(article), REMOTE_ADDR="192.0.2.51")
    assert other.status_code == 302


def test_a_flood_from_neighbouring_addresses_is_held_at_the_networks_limit(make_article, client, settings):
    settings.COMMENTS_RATE_LIMIT_IP, settings.COMMENTS_RATE_LIMIT_NETWORK = 10, 20
    settings.COMMENTS_RATE_LIMIT_EMAIL = 1000
    article = make_article()

    statuses = [
        client.post(
            f"/comments/post/{article.pk}/",
            form_data(article, body=f"من الجيران {n}", email=f"bot{n}@example.com"),
            REMOTE_ADDR=f"192.0.2.{n}",
        ).status_code
        for n in range(1, 26)
    ]

    assert statuses.count(302) == 20
    assert statuses[20:] == [429] * 5
    assert Comment.objects.count() == 20


def test_a_flood_from_one_ipv6_line_is_held_at_the_networks_limit(make_article, client, settings):
    settings.COMMENTS_RATE_LIMIT_IP, settings.COMMENTS_RATE_LIMIT_NETWORK = 10, 20
    settings.COMMENTS_RATE_LIMIT_EMAIL = 1000
    article = make_article()

    statuses = [
        client.post(
            f"/comments/post/{article.pk}/",
            form_data(article, body=f"من السطر نفسه {n}", email=f"bot{n}@example.com"),
            REMOTE_ADDR=f"2001:db8:77:1:{n:x}::1",  # a new address of the same /64 each time
        ).status_code
        for n in range(1, 41)
    ]

    assert statuses.count(302) == 20
    assert Comment.objects.count() == 20
