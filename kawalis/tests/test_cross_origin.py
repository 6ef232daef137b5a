"""Cross-site forgery: tokens on admin forms, the browser's Fetch Metadata and Origin on reader forms."""

import pytest
from django.test import Client, RequestFactory, override_settings

from comments.models import Comment
from kawalis.csrf import cross_origin_problem
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


def main_part(response):
    return response.content.decode().split('<main id="main"', 1)[1].split("</main>", 1)[0]


def posted(headers, method="post"):
    return getattr(RequestFactory(), method)("/newsletter/", {"email": "a@example.com"}, headers=headers)


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
        {"Sec-Fetch-Site": "none"},  # typed or bookmarked: no page sent it
        {"Origin": "http://testserver"},  # a browser without Fetch Metadata, on this site
        {"Origin": "http://127.0.0.1:8000"},  # SITE_URL's origin (behind a proxy that renames)
        {},  # no browser at all (a script): nothing forged
    ],
    ids=["same-origin", "none", "own-origin", "site-url", "no-browser"],
)
def test_posts_from_this_site_pass(headers):
    assert cross_origin_problem(posted(headers)) is None


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://ads.testserver"},  # a sibling subdomain
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},  # a sandboxed frame or a data: page
        {"Origin": "https://testserver"},  # another scheme is another origin
    ],
    ids=["cross-site", "same-site", "cross-site-no-origin", "foreign-origin", "null-origin", "scheme"],
)
def test_posts_from_elsewhere_are_refused(headers):
    assert cross_origin_problem(posted(headers)) is not None


def test_a_safe_method_is_never_refused():
    assert cross_origin_problem(posted({"Sec-Fetch-Site": "cross-site"}, method="get")) is None


@override_settings(CSRF_TRUSTED_ORIGINS=["https://*.kawalis.ma"])
def test_a_trusted_origin_passes_even_as_same_site():
    request = posted({"Sec-Fetch-Site": "same-site", "Origin": "https://amp.kawalis.ma"})
    assert cross_origin_problem(request) is None
    request = posted({"Sec-Fetch-Site": "same-site", "Origin": "https://kawalis.ma.evil.example"})
    assert cross_origin_problem(request) is not None


def test_refused_reader_forms_answer_the_sites_page_and_keep_nothing(
    make_article, django_capture_on_commit_callbacks
):
    article = make_article()
    forged = {"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
    reader = Client(enforce_csrf_checks=True)
    typed = {"body": "كلام مدسوس", "name": "n", "email": "e@example.com"}
    comment = reader.post(f"/comments/post/{article.pk}/", typed, headers=forged)
    with django_capture_on_commit_callbacks(execute=True):  # an accepted signup is recorded after its commit
        signup = reader.post("/en/newsletter/", {"email": "victim@example.com"}, headers=forged)
    for refused in (comment, signup):
        assert refused.status_code == 403
        assert refused["Cache-Control"] == "private, no-store"
        assert "<form" not in main_part(refused)  # a forged post is never echoed back
    assert "another website" in main_part(signup)
    assert "كلام مدسوس" not in comment.content.decode()
    assert Comment.objects.count() == 0 and Subscriber.objects.count() == 0


def test_admin_forms_keep_the_csrf_token(django_user_model):
    editor = django_user_model.objects.create_superuser("chief", "chief@example.com", "a-long-pass-phrase-9")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)

    same_site = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}
    intruder = {"username": "intruder", "password1": "x"}
    refused = browser.post("/admin/auth/user/add/", intruder, headers=same_site)

    assert refused.status_code == 403  # the browser's word is not enough where a token is due
    assert "intruder" not in refused.content.decode()
    assert "<form" not in main_part(refused)
    assert "ملفات تعريف الارتباط" in main_part(refused)  # "allow cookies", in the admin's Arabic
    assert not django_user_model.objects.filter(username="intruder").exists()
