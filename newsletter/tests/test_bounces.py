"""What bounces and complaints reported after sending do to the list.

Each test sends real mailings through the SMTP sink, takes the return path the sink saw, and
writes back the report a mail system would (newsletter/tests/reports/).
"""

import logging

import pytest
from django.utils import timezone

from newsletter.bounces import record_report
from newsletter.models import BounceReport, Delivery, Mailing, Subscriber
from newsletter.return_path import return_path_for
from newsletter.sending import send_due_mailings

from .bounce_reports import report, return_paths
from .factories import queued_newsletter, subscriber
from .helpers import recipients

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _bounce_settings(settings):
    settings.NEWSLETTER_MAX_PER_SECOND = 0
    settings.NEWSLETTER_DIGEST = "off"
    settings.NEWSLETTER_BOUNCE_ADDRESS = "bounces@kawalis.example"
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT = 3
    settings.NEWSLETTER_SOFT_BOUNCE_DAYS = 30


def send_newsletter(sink, article, subject="نشرة"):
    """Send one newsletter to the confirmed readers; ``{address: return path}`` of its e-mails."""
    sink.clear()
    queued_newsletter([article], subject=subject)
    send_due_mailings()
    return return_paths(sink)


def test_hard_bounce_stops_mail_to_address_and_later_mailings_leave_it_out(smtp_sink, make_article):
    gone = subscriber("gone@example.com")
    subscriber("reader@example.com")
    article = make_article()
    sent = send_newsletter(smtp_sink, article)

    outcomes = record_report(
        report(
            "dsn-5.1.1-user-unknown.eml", return_path=sent["gone@example.com"], recipient="gone@example.com"
        )
    )

    assert outcomes == ["hard"]
    gone.refresh_from_db()
    assert gone.status == Subscriber.Status.BOUNCED
    assert gone.bounced_at is not None
    assert gone.bounce_reason.startswith("5.1.1 smtp; 550 5.1.1")
    [recorded] = BounceReport.objects.all()
    assert recorded.delivery == Delivery.objects.get(subscriber=gone)
    assert (recorded.kind, recorded.status) == ("hard", "5.1.1")

    send_newsletter(smtp_sink, article, subject="الثانية")
    assert recipients(smtp_sink) == ["reader@example.com"]
    assert not Delivery.objects.filter(subscriber=gone, mailing__subject="الثانية").exists()


def test_complaint_stops_mail_to_address(smtp_sink, make_article):
    reader = subscriber("reader@example.com")
    sent = send_newsletter(smtp_sink, make_article())

    outcomes = record_report(
        report(
            "arf-abuse.eml",
            report_to="fbl@kawalis.example",
            return_path=sent["reader@example.com"],
            recipient="reader@example.com",
        )
    )

    assert outcomes == ["complaint"]
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.COMPLAINED
    assert reader.complained_at is not None
    assert reader.bounce_reason == "abuse report from dns; mail.mailbox.example"
    assert BounceReport.objects.get().delivery.mailing == Mailing.objects.get()
    send_newsletter(smtp_sink, make_article(), subject="الثانية")
    assert recipients(smtp_sink) == []


def test_soft_bounces_stop_mail_only_at_the_limit(smtp_sink, make_article):
    reader = subscriber("full@example.com")
    article = make_article()

    for count in (1, 2, 3):
        sent = send_newsletter(smtp_sink, article, subject=f"نشرة {count}")
        assert list(sent) == ["full@example.com"]
        outcomes = record_report(
            report(
                "dsn-4.2.2-mailbox-full-delayed.eml",
                return_path=sent["full@example.com"],
                recipient="full@example.com",
            )
        )
        assert outcomes == ["soft"]
        reader.refresh_from_db()
        assert reader.soft_bounce_count == count
        assert reader.soft_bounced_at is not None
        expected = Subscriber.Status.BOUNCED if count == 3 else Subscriber.Status.CONFIRMED
        assert reader.status == expected

    assert reader.bounce_reason.startswith("3 soft bounces within 30 days; the last: 4.2.2")
    send_newsletter(smtp_sink, article, subject="نشرة 4")
    assert recipients(smtp_sink) == []


def test_several_delay_warnings_about_one_mailing_count_as_one_soft_bounce(smtp_sink, make_article, settings):
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT = 2
    reader = subscriber("full@example.com")
    sent = send_newsletter(smtp_sink, make_article())

    for _warning in range(3):  # after 4 hours, 12 hours, a day: each a report of its own
        assert record_report(
            report(
                "dsn-4.2.2-mailbox-full-delayed.eml", return_path=sent["full@example.com"], recipient="x@y.z"
            )
        ) == ["soft"]

    reader.refresh_from_db()
    assert (reader.status, reader.soft_bounce_count) == (Subscriber.Status.CONFIRMED, 1)
    assert BounceReport.objects.filter(kind="soft").count() == 3


def test_soft_bounces_older_than_the_window_no_longer_count(smtp_sink, make_article, settings):
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT = 2
    reader = subscriber("full@example.com")
    old = send_newsletter(smtp_sink, make_article(), subject="old")
    record_report(report("dsn-4.2.2-mailbox-full-delayed.eml", return_path=old["full@example.com"]))
    BounceReport.objects.update(read_at=timezone.now() - timezone.timedelta(days=31))
    new = send_newsletter(smtp_sink, make_article(), subject="new")

    record_report(report("dsn-4.2.2-mailbox-full-delayed.eml", return_path=new["full@example.com"]))

    reader.refresh_from_db()
    assert (reader.status, reader.soft_bounce_count) == (Subscriber.Status.CONFIRMED, 1)


def test_delivery_report_starts_the_soft_bounce_count_again(smtp_sink, make_article, settings):
    settings.NEWSLETTER_SOFT_BOUNCE_LIMIT = 2
    reader = subscriber("full@example.com")
    first = send_newsletter(smtp_sink, make_article(), subject="1")
    record_report(report("dsn-4.2.2-mailbox-full-delayed.eml", return_path=first["full@example.com"]))
    delivered = report("dsn-4.2.2-mailbox-full-delayed.eml", return_path=first["full@example.com"])
    delivered = delivered.replace(b"Action: delayed\nStatus: 4.2.2", b"Action: delivered\nStatus: 2.0.0")
    assert record_report(delivered) == ["delivered"]
    reader.refresh_from_db()
    assert reader.soft_bounce_count == 0
    second = send_newsletter(smtp_sink, make_article(), subject="2")

    record_report(report("dsn-4.2.2-mailbox-full-delayed.eml", return_path=second["full@example.com"]))

    reader.refresh_from_db()
    assert (reader.status, reader.soft_bounce_count) == (Subscriber.Status.CONFIRMED, 1)


def test_same_report_read_twice_counts_once(smtp_sink, make_article):
    reader = subscriber("full@example.com")
    sent = send_newsletter(smtp_sink, make_article())
    raw = report("dsn-4.2.2-mailbox-full-delayed.eml", return_path=sent["full@example.com"])

    assert record_report(raw) == ["soft"]
    assert record_report(raw) == ["already_read"]

    reader.refresh_from_db()
    assert reader.soft_bounce_count == 1
    assert BounceReport.objects.count() == 1


def test_forged_return_path_token_is_not_believed(smtp_sink, make_article, settings, caplog):
    victim = subscriber("victim@example.com")
    sent = send_newsletter(smtp_sink, make_article())
    genuine = sent["victim@example.com"]
    # The delivery number kept, the signature made up; then no signature at all.
    forged = genuine.replace(genuine.split(".")[1].split("@")[0], "0123456789abcdef0123")
    unsigned = f"bounces+{Delivery.objects.get().pk}@kawalis.example"

    with caplog.at_level(logging.WARNING, logger="newsletter.bounces"):
        for return_path in (forged, unsigned, "bounces+victim@kawalis.example"):
            raw = report(
                "dsn-5.1.1-user-unknown.eml", return_path=return_path, recipient="victim@example.com"
            )
            # Even though the report names the victim's address: a token we did not sign is a lie.
            assert record_report(raw) == ["skipped"]

    victim.refresh_from_db()
    assert victim.status == Subscriber.Status.CONFIRMED
    assert not BounceReport.objects.exists()
    assert "token this site did not sign" in caplog.text


def test_token_made_with_another_sites_key_is_not_believed(smtp_sink, make_article, settings):
    victim = subscriber("victim@example.com")
    send_newsletter(smtp_sink, make_article())
    real_key = settings.SECRET_KEY
    settings.SECRET_KEY = "another-site-" + "k" * 50
    other_sites = return_path_for(Delivery.objects.get().pk)
    settings.SECRET_KEY = real_key

    outcomes = record_report(report("dsn-5.1.1-user-unknown.eml", return_path=other_sites))

    assert outcomes == ["skipped"]
    victim.refresh_from_db()
    assert victim.status == Subscriber.Status.CONFIRMED


def test_report_without_a_token_is_matched_by_its_final_recipient():
    # A confirmation e-mail (sent from the site's own address) bouncing: no token to read.
    waiting = subscriber("typo@example.con", status=Subscriber.Status.PENDING)

    outcomes = record_report(report("dsn-5.1.1-user-unknown.eml", recipient="TYPO@example.con"))

    assert outcomes == ["hard"]
    waiting.refresh_from_db()
    assert waiting.status == Subscriber.Status.BOUNCED
    assert BounceReport.objects.get().delivery is None


def test_rfc_5965_complaint_is_matched_by_its_original_recipient():
    reader = subscriber("user@example.com")

    assert record_report(report("rfc5965-example-abuse.eml")) == ["complaint"]

    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.COMPLAINED


def test_complaint_with_the_recipient_hidden_is_matched_by_the_unsubscribe_link(smtp_sink, make_article):
    # Providers hide their user's address in complaint reports; our own link still names them.
    reader = subscriber("reader@example.com")
    send_newsletter(smtp_sink, make_article())
    [message] = smtp_sink.messages
    one_click = message["List-Unsubscribe"].strip("<>")

    outcomes = record_report(
        report(
            "arf-abuse.eml",
            report_to="fbl@kawalis.example",
            original_mail_from="redacted@mailbox.example",
            returned_return_path="redacted@mailbox.example",
            original_rcpt_to="redacted@mailbox.example",
            returned_to="redacted@mailbox.example",
            one_click=one_click,
        )
    )

    assert outcomes == ["complaint"]
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.COMPLAINED


def test_complaint_with_a_forged_unsubscribe_link_is_not_believed():
    reader = subscriber("reader@example.com")

    outcomes = record_report(
        report(
            "arf-abuse.eml",
            report_to="fbl@kawalis.example",
            recipient="reader@example.com",
            original_mail_from="someone@elsewhere.example",
            returned_return_path="someone@elsewhere.example",
            one_click="http://127.0.0.1:8000/newsletter/one-click/forged-token/",
        )
    )

    assert outcomes == ["skipped"]
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.CONFIRMED


def test_report_about_an_address_nobody_has_is_unmatched():
    subscriber("reader@example.com")

    outcomes = record_report(report("dsn-5.1.1-user-unknown.eml", recipient="stranger@example.com"))

    assert outcomes == ["unmatched"]
    assert not BounceReport.objects.exists()


def test_bounce_after_the_reader_left_keeps_them_unsubscribed(smtp_sink, make_article):
    reader = subscriber("reader@example.com")
    sent = send_newsletter(smtp_sink, make_article())
    reader.unsubscribe()

    outcomes = record_report(report("dsn-5.1.1-user-unknown.eml", return_path=sent["reader@example.com"]))

    assert outcomes == ["hard"]
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED
    assert BounceReport.objects.filter(subscriber=reader, kind="hard").exists()


def test_signing_up_again_after_a_complaint_is_a_new_opt_in():
    reader = subscriber("user@example.com")
    record_report(report("rfc5965-example-abuse.eml"))

    again, send_confirmation = Subscriber.objects.sign_up("user@example.com", "ar", "consent")

    assert again.pk == reader.pk
    assert (again.status, send_confirmation) == (Subscriber.Status.PENDING, True)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("out-of-office.eml", "not a report but text/plain"),
        ("garbage", "not a report"),
    ],
)
def test_message_that_is_not_a_usable_report_is_skipped_with_its_reason_logged(name, reason, caplog):
    raw = b"\x00\xff garbage \x00" * 50 if name == "garbage" else report(name)

    with caplog.at_level(logging.WARNING, logger="newsletter.bounces"):
        assert record_report(raw) == ["skipped"]

    assert reason in caplog.text
