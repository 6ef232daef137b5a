"""The CSRF failure page: the site's own, translated; fields echoed only for opted-in reader forms."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def main_part(response):
    return response.content.decode().split('<main id="main"', 1)[1].split("</main>", 1)[0]


def test_a_csrf_failure_on_an_admin_form_echoes_nothing(django_user_model):
    editor = django_user_model.objects.create_superuser("chief", "chief@example.com", "a-long-pass-phrase-9")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)

    refused = browser.post("/admin/auth/user/add/", {"username": "intruder", "password1": "x"})

    assert refused.status_code == 403
    assert "intruder" not in refused.content.decode()
    assert "<form" not in main_part(refused)
    assert "allow cookies" in main_part(Client(enforce_csrf_checks=True).post("/en/newsletter/", {}))


def test_an_oversized_post_is_not_echoed(make_article):
    article = make_article()
    refused = Client(enforce_csrf_checks=True).post(
        f"/comments/post/{article.pk}/", {"body": "x" * 20_000, "name": "n", "email": "e@example.com"}
    )
    assert refused.status_code == 403
    assert "x" * 20_000 not in refused.content.decode()
    assert "<textarea" not in main_part(refused)
