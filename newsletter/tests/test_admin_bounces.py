"""Bounces and complaints in the admin: per subscriber, per mailing, and the report log."""

import pytest
from django.contrib.auth.models import Group, User

from newsletter.bounces import record_report
from newsletter.models import BounceReport, Mailing
from newsletter.sending import send_due_mailings

from .bounce_reports import report, return_paths
from .factories import queued_newsletter, subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _bounce_settings(settings):
    settings.NEWSLETTER_MAX_PER_SECOND = 0
    settings.NEWSLETTER_DIGEST = "off"
    settings.NEWSLETTER_BOUNCE_ADDRESS = "bounces@kawalis.example"


@pytest.fixture
def chief_client(client):
    client.force_login(User.objects.create_superuser("chief", "chief@example.com", "chief-pass-123"))
    return client


@pytest.fixture
def reported_mailing(smtp_sink, make_article):
    """A newsletter to four readers: one hard bounce, one complaint, two delays about one e-mail."""
    for name in ("gone", "angry", "full", "fine"):
        subscriber(f"{name}@example.com")
    queued_newsletter([make_article()], subject="Lettre")
    send_due_mailings()
    sent = return_paths(smtp_sink)
    record_report(report("dsn-5.1.1-user-unknown.eml", return_path=sent["gone@example.com"]))
    record_report(
        report("arf-abuse.eml", report_to="fbl@kawalis.example", return_path=sent["angry@example.com"])
    )
    for _warning in range(2):
        record_report(report("dsn-4.2.2-mailbox-full-delayed.eml", return_path=sent["full@example.com"]))
    return Mailing.objects.get()


@pytest.mark.parametrize(
    ("prefix", "status", "label", "kind"),
    [
        ("", "عنوان مرفوض", "سبب الارتداد أو الشكوى", "ارتداد دائم"),
        ("/fr", "Adresse rejetée", "Motif du rejet ou de la plainte", "Rejet définitif"),
        ("/en", "Bounced", "Bounce or complaint reason", "Hard bounce"),
    ],
)
def test_subscriber_page_says_why_mail_to_them_stopped(
    reported_mailing, chief_client, prefix, status, label, kind
):
    gone = reported_mailing.deliveries.get(subscriber__email="gone@example.com").subscriber

    page = chief_client.get(f"{prefix}/admin/newsletter/subscriber/{gone.pk}/change/").content.decode()

    assert status in page
    assert label in page
    assert "5.1.1 smtp; 550 5.1.1 &lt;someone@example.com&gt;: Recipient address rejected" in page
    assert kind in page  # the report itself, in the list under the subscriber
    assert "Lettre" in page  # ...with the mailing it was about


def test_subscriber_page_shows_the_soft_bounce_count(reported_mailing, chief_client):
    full = reported_mailing.deliveries.get(subscriber__email="full@example.com").subscriber

    page = chief_client.get(f"/en/admin/newsletter/subscriber/{full.pk}/change/").content.decode()

    assert "Soft bounces" in page
    assert '<div class="readonly">1</div>' in page  # two delay warnings about one e-mail: one


def test_mailing_list_and_page_count_its_bounced_and_complained_deliveries(reported_mailing, chief_client):
    listing = chief_client.get("/admin/newsletter/mailing/").content.decode()
    page = chief_client.get(f"/fr/admin/newsletter/mailing/{reported_mailing.pk}/change/").content.decode()

    assert "ارتدادات دائمة: 1، مؤقتة: 1، شكاوى: 1" in listing
    assert "rejets définitifs : 1, temporaires : 1, plaintes : 1" in page
    assert f"/fr/admin/newsletter/bouncereport/?delivery__mailing__id__exact={reported_mailing.pk}" in page


def test_report_log_lists_a_mailings_reports_read_only(reported_mailing, chief_client):
    url = f"/en/admin/newsletter/bouncereport/?delivery__mailing__id__exact={reported_mailing.pk}"

    log = chief_client.get(url)

    assert log.status_code == 200
    html = log.content.decode()
    assert html.count("Soft bounce") >= 2 and "Hard bounce" in html and "Complaint" in html
    assert "gone@example.com" in html
    report_id = BounceReport.objects.first().pk
    assert chief_client.get("/en/admin/newsletter/bouncereport/add/").status_code == 403
    assert chief_client.post(f"/en/admin/newsletter/bouncereport/{report_id}/delete/").status_code == 403


def test_newsletter_editors_may_see_the_reports(reported_mailing, client):
    editor = User.objects.create_user("letters", "letters@example.com", "letters-pass-123", is_staff=True)
    editor.groups.add(Group.objects.get(name="Newsletter editor"))
    client.force_login(editor)

    assert client.get("/en/admin/newsletter/bouncereport/").status_code == 200
