"""Alerts pushed to a local push service over HTTPS: encrypted for the browser, signed with
VAPID, once per subscription, gone subscriptions dropped, refusals for now retried."""

import base64
import json
import time

import pytest
import time_machine
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from alerts.models import Alert, Delivery, Subscription
from alerts.sending import NotAlertable, queue_alert, send_due_alerts

from .receiver import Receiver


def b64decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def subscribe(server, name, language="ar"):
    receiver = Receiver()
    keys = receiver.keys()
    Subscription.objects.create(
        endpoint=server.url(name), p256dh=keys["p256dh"], auth=keys["auth"], language=language
    )
    return receiver


def verify_vapid(header, public_key_b64, endpoint_origin):
    """RFC 8292: ``vapid t=<JWT>, k=<key>``; the JWT is ES256 by that key, for this origin."""
    scheme, _space, params = header.partition(" ")
    assert scheme == "vapid"
    parts = dict(item.strip().split("=", 1) for item in params.split(","))
    assert parts["k"] == public_key_b64
    head, claims, signature = parts["t"].split(".")
    assert json.loads(b64decode(head)) == {"typ": "JWT", "alg": "ES256"}
    raw = b64decode(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64decode(parts["k"]))
    key.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))  # raises if forged
    claims = json.loads(b64decode(claims))
    assert claims["aud"] == endpoint_origin
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"] == "mailto:newsroom@kawalis.example"


@pytest.mark.django_db
def test_alert_reaches_each_subscription_encrypted_for_it_and_signed_with_vapid(
    push_server, vapid_keys, make_article
):
    article = make_article(title_ar="زلزال في الحوز", title_fr="Séisme dans le Haouz")
    arabic, french = subscribe(push_server, "a", "ar"), subscribe(push_server, "b", "fr")
    subscribe(push_server, "c", "en")  # no English translation: not alerted

    alert = queue_alert(article)
    report = send_due_alerts()

    assert report.sent == 2
    by_path = {path: (headers, body) for path, headers, body in push_server.requests}
    assert set(by_path) == {"/push/a", "/push/b"}
    for path, receiver, title, language in (
        ("/push/a", arabic, "زلزال في الحوز", "ar"),
        ("/push/b", french, "Séisme dans le Haouz", "fr"),
    ):
        headers, body = by_path[path]
        assert headers["Content-Encoding"] == "aes128gcm"
        assert int(headers["TTL"]) > 0
        verify_vapid(headers["Authorization"], vapid_keys[1], f"https://127.0.0.1:{push_server.port}")
        message = json.loads(receiver.decrypt(body))
        assert message["title"] == title
        assert message["lang"] == language
        assert message["url"].startswith("http://127.0.0.1:8000/")
        assert message["tag"] == f"alert-{alert.pk}"
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 2
    alert.refresh_from_db()
    assert alert.status == Alert.Status.DONE


@pytest.mark.django_db
def test_a_second_run_sends_nothing_again(push_server, make_article):
    subscribe(push_server, "a")
    queue_alert(make_article())
    send_due_alerts()
    assert send_due_alerts().sent == 0
    assert len(push_server.requests) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_removed(push_server, make_article, status):
    subscribe(push_server, "gone")
    subscribe(push_server, "kept")
    push_server.answers["/push/gone"] = [(status, {})]

    report = send_due_alerts() if queue_alert(make_article()) else None

    assert (report.sent, report.gone) == (1, 1)
    assert list(Subscription.objects.values_list("endpoint", flat=True)) == [push_server.url("kept")]
    assert Delivery.objects.filter(status=Delivery.Status.GONE, subscription=None).count() == 1


@pytest.mark.django_db
def test_429_is_retried_after_retry_after(push_server, make_article, settings):
    settings.ALERTS_RETRY_SECONDS = 5
    subscribe(push_server, "busy")
    push_server.answers["/push/busy"] = [(429, {"Retry-After": "120"}), (503, {})]
    queue_alert(make_article())
    waits = []
    with time_machine.travel(time.time(), tick=False) as traveller:

        def sleep(seconds):
            waits.append(round(seconds))
            traveller.shift(seconds)

        report = send_due_alerts(sleep=sleep)

    assert report.sent == 1
    assert len(push_server.requests) == 3
    assert waits == [120, 10]  # Retry-After honoured, then the doubled back-off of attempt 2
    assert Delivery.objects.get().attempts == 3


@pytest.mark.django_db
def test_only_published_articles_can_be_alerted(push_server, make_article):
    with pytest.raises(NotAlertable):
        queue_alert(make_article(status="draft"))
    from django.utils import timezone

    with pytest.raises(NotAlertable):
        queue_alert(make_article(published_at=timezone.now() + timezone.timedelta(hours=1)))


@pytest.mark.django_db
def test_no_alert_without_keys(make_article, settings):
    settings.VAPID_PRIVATE_KEY = ""
    with pytest.raises(NotAlertable):
        queue_alert(make_article())
