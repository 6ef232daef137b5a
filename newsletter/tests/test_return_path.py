"""Each newsletter e-mail leaves with its own signed return path, so a bounce names its delivery."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core import signing

from newsletter.models import Delivery
from newsletter.return_path import delivery_id_from_token, return_path_for, tokens_in
from newsletter.sending import send_due_mailings

from .factories import queued_newsletter, subscriber


@pytest.fixture(autouse=True)
def _bounce_settings(settings):
    settings.NEWSLETTER_MAX_PER_SECOND = 0
    settings.NEWSLETTER_DIGEST = "off"
    settings.NEWSLETTER_BOUNCE_ADDRESS = "bounces@kawalis.example"


@pytest.mark.django_db
def test_each_newsletter_e_mail_leaves_with_its_own_signed_return_path(smtp_sink, make_article):
    subscriber("first@example.com")
    subscriber("second@example.com")
    queued_newsletter([make_article()])

    send_due_mailings()

    senders = {rcpts[0]: mail_from for mail_from, rcpts in smtp_sink.envelopes}
    assert set(senders) == {"first@example.com", "second@example.com"}
    for recipient, mail_from in senders.items():
        delivery = Delivery.objects.get(subscriber__email=recipient)
        assert mail_from == return_path_for(delivery.pk)
        assert mail_from.startswith("bounces+") and mail_from.endswith("@kawalis.example")
        [token] = tokens_in(mail_from)
        assert delivery_id_from_token(token) == delivery.pk
    assert len(set(senders.values())) == 2
    # Readers still see the site's own sender; only the envelope changed.
    assert {message["From"].addresses[0].addr_spec for message in smtp_sink.messages} == {
        "no-reply@kawalis.local"
    }


def test_return_path_token_survives_a_mail_system_changing_its_case():
    [token] = tokens_in(return_path_for(4242).upper())

    assert delivery_id_from_token(token) == 4242


def test_return_path_token_signed_with_another_key_is_refused(settings):
    settings.SECRET_KEY = "another-site-" + "k" * 50
    [forged] = tokens_in(return_path_for(7))
    settings.SECRET_KEY = "test-secret-key-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH"

    with pytest.raises(signing.BadSignature):
        delivery_id_from_token(forged)


def test_return_path_token_with_an_edited_delivery_number_is_refused():
    [token] = tokens_in(return_path_for(7))
    _number, signature = token.split(".")

    with pytest.raises(signing.BadSignature):
        delivery_id_from_token(f"8.{signature}")
    with pytest.raises(signing.BadSignature):
        delivery_id_from_token("8")


def test_return_path_token_from_before_a_key_rotation_is_still_ours(settings):
    old_key = settings.SECRET_KEY
    [token] = tokens_in(return_path_for(9))
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "n" * 50, [old_key]

    assert delivery_id_from_token(token) == 9


def _settings_value(name, **env):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("NEWSLETTER_")}
    environment.update(SECRET_KEY="settings-test-" + "s" * 50, **env)
    return subprocess.run(
        [sys.executable, "-c", f"from kawalis import settings; print(settings.{name})"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_bounce_address_defaults_to_the_senders_own_address():
    result = _settings_value("NEWSLETTER_BOUNCE_ADDRESS", DEFAULT_FROM_EMAIL="Kawalis <news@kawalis.ma>")

    assert result.stdout.strip() == "news@kawalis.ma", result.stderr


def test_bounce_address_that_is_not_a_plain_address_stops_the_site_starting():
    result = _settings_value("NEWSLETTER_BOUNCE_ADDRESS", NEWSLETTER_BOUNCE_ADDRESS="Bounces <b@kawalis.ma>")

    assert result.returncode != 0
    assert "NEWSLETTER_BOUNCE_ADDRESS must be a plain address" in result.stderr
