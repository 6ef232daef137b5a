"""The readers' side: the subscribe endpoint's checks, the button, the service worker."""

import json

import pytest
from django.test import Client

from alerts.models import Subscription

from .receiver import Receiver


def body(endpoint="https://127.0.0.1/push/x", **key_overrides):
    keys = {**Receiver().keys(), **key_overrides}
    return json.dumps({"endpoint": endpoint, "expirationTime": None, "keys": keys})


def post(client, data, path="/fr/alerts/subscribe/", **headers):
    return client.post(path, data, content_type="application/json", **headers)


@pytest.mark.django_db
def test_subscription_records_the_page_language(client, vapid_keys):
    response = post(client, body(), HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 201
    assert Subscription.objects.get().language == "fr"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        "not json",
        json.dumps([1]),
        body(endpoint="http://127.0.0.1/push/x"),
        body(endpoint="https://evil.example/push/x"),
        body(endpoint="/push/x"),
        body(p256dh="AAAA"),
        body(auth="AAAAAAAAAAAAAAAAAAAAAA=="[:10]),
        body(p256dh="B" + "A" * 86),  # 65 bytes, not a point on the curve
        body(auth="not base64!"),
    ],
    ids=[
        "not-json",
        "not-object",
        "http",
        "unknown-service",
        "relative",
        "short-p256dh",
        "short-auth",
        "not-a-point",
        "bad-base64",
    ],
)
def test_invalid_subscriptions_are_refused_with_400(client, vapid_keys, data):
    response = post(client, data)
    assert response.status_code == 400
    assert response.json()["error"]
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_cross_site_post_is_refused(client, vapid_keys):
    response = post(client, body(), HTTP_SEC_FETCH_SITE="cross-site", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_subscribing_is_rate_limited_per_network(vapid_keys, settings):
    settings.ALERTS_SUBSCRIBES_PER_IP, settings.ALERTS_SUBSCRIBES_PER_NETWORK = 100, 3
    statuses = [
        post(Client(REMOTE_ADDR=f"198.51.100.{n}"), body(endpoint=f"https://127.0.0.1/push/{n}")).status_code
        for n in range(5)
    ]
    assert statuses == [201, 201, 201, 429, 429]
    assert post(Client(REMOTE_ADDR="203.0.113.1"), body()).status_code == 201  # another network


@pytest.mark.django_db
def test_unsubscribe_forgets_the_endpoint(client, vapid_keys):
    post(client, body())
    response = post(client, json.dumps({"endpoint": "https://127.0.0.1/push/x"}), path="/alerts/unsubscribe/")
    assert response.status_code == 200
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_button_is_on_pages_only_with_keys(client, make_article, settings, vapid_keys):
    article = make_article()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "data-push-alerts" in page and vapid_keys[1] in page

    settings.VAPID_PRIVATE_KEY = ""
    from django.core.cache import cache

    cache.clear()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "data-push-alerts" not in page
    assert "alerts.js" not in page
    assert post(client, body()).status_code == 404
    assert client.get("/alerts-sw.js").status_code == 404


@pytest.mark.django_db
def test_service_worker_is_served_from_the_root_as_javascript(client, vapid_keys):
    response = client.get("/alerts-sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    text = response.content.decode()
    assert "showNotification" in text and "openWindow" in text
