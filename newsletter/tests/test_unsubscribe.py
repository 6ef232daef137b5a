"""Leaving: a page with one button, and the RFC 8058 one-click endpoint mail providers call."""

import pytest
from django.test import Client

from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscriber(db):
    return Subscriber.objects.create(
        email="reader@example.com", status="confirmed", consent_text="x", language="fr"
    )


def test_unsubscribe_page_asks_then_one_button_unsubscribes(subscriber):
    client = Client(enforce_csrf_checks=True)
    path = subscriber.unsubscribe_url().removeprefix("http://127.0.0.1:8000")
    assert path.startswith("/fr/newsletter/unsubscribe/")

    page = client.get(path)
    assert page.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED  # opening the page changes nothing

    response = client.post(path, {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})

    assert response.status_code == 200
    assert "Vous avez quitté la liste de diffusion" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    assert subscriber.unsubscribed_at is not None


def test_one_click_post_unsubscribes_without_csrf_cookie_or_login(subscriber):
    client = Client(enforce_csrf_checks=True)
    path = subscriber.one_click_unsubscribe_url().removeprefix("http://127.0.0.1:8000")

    response = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED


def test_one_click_address_opened_in_a_browser_leads_to_the_page(client, subscriber):
    path = subscriber.one_click_unsubscribe_url().removeprefix("http://127.0.0.1:8000")

    response = client.get(path)

    assert response.status_code == 302
    assert "/newsletter/unsubscribe/" in response["Location"]
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


@pytest.mark.parametrize("token", ["garbage", "WzEsImFiYyJd:1abc:def"])
def test_tampered_unsubscribe_tokens_change_nothing(client, subscriber, token):
    assert client.post(f"/newsletter/one-click/{token}/").status_code == 400
    page = client.get(f"/newsletter/unsubscribe/{token}/")
    assert page.status_code == 400
    assert "رابط إلغاء الاشتراك هذا غير صالح" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


def test_confirmation_token_is_not_an_unsubscribe_token(client, subscriber):
    confirm_token = subscriber.confirmation_url().rstrip("/").rsplit("/", 1)[1]

    assert client.post(f"/newsletter/one-click/{confirm_token}/").status_code == 400
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
