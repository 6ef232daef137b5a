"""The newsletter in the admin: subscribers, CSV export and import, composing and sending."""

import csv
import io

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from newsletter.models import Delivery, Mailing, Subscriber
from newsletter.sending import send_due_mailings

from .factories import queued_newsletter, subscriber
from .helpers import parts, recipients

pytestmark = pytest.mark.django_db


@pytest.fixture
def newsletter_editor(db):
    from django.contrib.auth.models import Group

    user = User.objects.create_user("letters", "letters@example.com", "letters-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Newsletter editor"))
    return user


@pytest.fixture
def chief(db):
    return User.objects.create_superuser("chief", "chief@example.com", "chief-pass-123")


@pytest.fixture
def chief_client(client, chief):
    client.force_login(chief)
    return client


def test_subscriber_list_shows_counts_by_status_and_searches(chief_client):
    subscriber("one@example.com")
    subscriber("two@example.com")
    subscriber("left@example.com", status=Subscriber.Status.UNSUBSCRIBED)

    html = chief_client.get("/admin/newsletter/subscriber/").content.decode()
    assert "مؤكد: <strong>2</strong>" in html
    assert "ألغى الاشتراك: <strong>1</strong>" in html

    found = chief_client.get("/admin/newsletter/subscriber/?q=TWO@").content.decode()
    assert "two@example.com" in found
    assert "one@example.com" not in found
    filtered = chief_client.get("/admin/newsletter/subscriber/?status__exact=unsubscribed").content.decode()
    assert "left@example.com" in filtered
    assert "one@example.com" not in filtered


def export(client, ids):
    return client.post(
        "/admin/newsletter/subscriber/",
        {"action": "export_csv", "_selected_action": [str(pk) for pk in ids]},
    )


def test_csv_export_needs_its_own_permission_and_neutralises_formulas(client, newsletter_editor):
    reader = subscriber("reader@example.com")
    Subscriber.objects.filter(pk=reader.pk).update(consent_text="=HYPERLINK(1)")
    client.force_login(newsletter_editor)
    assert newsletter_editor.has_perm("newsletter.view_subscriber")

    refused = export(client, [reader.pk])
    assert refused.get("Content-Type", "").startswith("text/html")  # no such action for an editor

    newsletter_editor.user_permissions.add(Permission.objects.get(codename="export_subscribers"))
    client.force_login(User.objects.get(pk=newsletter_editor.pk))
    response = export(client, [reader.pk])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "email"
    assert rows[1][0] == "reader@example.com"
    assert rows[1][-1] == "'=HYPERLINK(1)"


def test_csv_import_adds_consented_addresses_and_reports_refused_lines(chief_client):
    subscriber("left@example.com", status=Subscriber.Status.UNSUBSCRIBED)
    upload = SimpleUploadedFile(
        "list.csv",
        b"email,language\n"
        b"New@Example.com,fr\n"
        b"not-an-address\n"
        b"left@example.com\n"
        b"new@example.com\n"
        b"other@example.com,de\n"
        b"\n"
        b"third@example.com\n",
        content_type="text/csv",
    )

    response = chief_client.post(
        "/en/admin/newsletter/subscriber/import/",
        {"csv_file": upload, "consent_text": "Signed the paper form at the book fair"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "2 added, 4 refused." in html
    added = Subscriber.objects.get(email="new@example.com")
    assert (added.status, added.language) == (Subscriber.Status.CONFIRMED, "fr")
    assert added.consent_text.startswith("Signed the paper form at the book fair")
    assert "chief" in added.consent_text
    assert Subscriber.objects.get(email="third@example.com").language == "ar"
    assert Subscriber.objects.get(email="left@example.com").status == Subscriber.Status.UNSUBSCRIBED
    for line, reason in (
        ("not-an-address", "Enter a valid e-mail address"),
        ("left@example.com", "already on the list (or left it)"),
        ("new@example.com", "appears twice in the file"),
        ("other@example.com,de", "unknown language"),
    ):
        assert line in html
        assert reason in html
    assert Subscriber.objects.count() == 3


def test_csv_import_refuses_a_file_that_is_not_utf8(chief_client):
    upload = SimpleUploadedFile("list.csv", "café@example.com".encode("latin-1"))

    response = chief_client.post(
        "/admin/newsletter/subscriber/import/", {"csv_file": upload, "consent_text": "x"}
    )

    assert "UTF-8" in response.content.decode()
    assert Subscriber.objects.count() == 0


def test_csv_import_needs_its_permission(client, newsletter_editor):
    client.force_login(newsletter_editor)
    assert client.get("/admin/newsletter/subscriber/import/").status_code == 403


@pytest.fixture
def editor_client(client, newsletter_editor):
    newsletter_editor.email = "editor@example.com"
    newsletter_editor.save()
    client.force_login(newsletter_editor)
    return client


def test_editor_composes_previews_tests_and_sends_a_newsletter(
    editor_client, smtp_sink, make_article, settings
):
    settings.NEWSLETTER_MAX_PER_SECOND = 0
    settings.NEWSLETTER_DIGEST = "off"
    article = make_article(title_ar="مقال النشرة")
    subscriber("reader@example.com")

    response = editor_client.post(
        "/admin/newsletter/mailing/add/",
        {"subject": "نشرة الأسبوع", "language": "ar", "intro": "مقدمة", "articles": [article.pk]},
    )
    assert response.status_code == 302
    mailing = Mailing.objects.get()
    assert mailing.status == Mailing.Status.DRAFT

    preview = editor_client.get(f"/admin/newsletter/mailing/{mailing.pk}/preview/")
    assert preview.status_code == 200
    assert "مقال النشرة" in preview.content.decode()
    assert 'dir="rtl"' in preview.content.decode()

    assert editor_client.get(f"/admin/newsletter/mailing/{mailing.pk}/send-test/").status_code == 302
    assert smtp_sink.messages == []  # a GET sends nothing
    editor_client.post(f"/admin/newsletter/mailing/{mailing.pk}/send-test/")
    [test] = smtp_sink.messages
    assert test["To"] == "editor@example.com"
    assert test["Subject"] == "[تجربة] نشرة الأسبوع"
    assert "مقال النشرة" in parts(test)["text/plain"]
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT  # a test is not the send

    confirm = editor_client.get(f"/en/admin/newsletter/mailing/{mailing.pk}/send/")
    assert "This newsletter will go to 1 confirmed subscribers" in confirm.content.decode()
    editor_client.post(f"/admin/newsletter/mailing/{mailing.pk}/send/")
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.SENDING

    send_due_mailings()

    assert recipients(smtp_sink) == ["editor@example.com", "reader@example.com"]
    page = editor_client.get(f"/en/admin/newsletter/mailing/{mailing.pk}/change/").content.decode()
    assert "0 pending, 1 sent, 0 uncertain, 0 failed, 0 skipped" in page


def test_mailing_page_shows_progress_and_errors(chief_client, smtp_sink, make_article, settings):
    settings.NEWSLETTER_MAX_PER_SECOND = 0
    settings.NEWSLETTER_DIGEST = "off"
    settings.LANGUAGE_CODE = "ar"
    subscriber("fine@example.com")
    subscriber("gone@example.com")
    smtp_sink.refuse("gone@example.com", 550)
    mailing = queued_newsletter([make_article()])
    send_due_mailings()

    page = chief_client.get(f"/en/admin/newsletter/mailing/{mailing.pk}/change/").content.decode()

    assert "0 pending, 1 sent, 0 uncertain, 1 failed, 0 skipped" in page
    assert "gone@example.com" in page
    assert "550" in page
    listing = chief_client.get("/en/admin/newsletter/mailing/").content.decode()
    assert "0 pending, 1 sent, 0 uncertain, 1 failed" in listing


def test_sending_needs_the_send_permission_and_csrf(make_article):
    user = User.objects.create_user("writer", "writer@example.com", "writer-pass-123", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_mailing", "change_mailing"]))
    mailing = Mailing.objects.create(subject="s", intro="x")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    assert client.post(f"/admin/newsletter/mailing/{mailing.pk}/send/").status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="send_mailing"))
    assert client.post(f"/admin/newsletter/mailing/{mailing.pk}/send/").status_code == 403  # no CSRF token
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_a_newsletter_without_subject_or_content_cannot_be_sent(chief_client):
    mailing = Mailing.objects.create(subject="", language="en")

    response = chief_client.post(f"/en/admin/newsletter/mailing/{mailing.pk}/send/")

    html = response.content.decode()
    assert "Give the newsletter a subject." in html
    assert "Write an introduction or choose at least one article." in html
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DRAFT


def test_dashboard_panel_shows_subscribers_their_weekly_change_and_the_last_mailing(
    chief_client, make_article
):
    long_ago = timezone.now() - timezone.timedelta(days=30)
    subscriber("old@example.com", confirmed_at=long_ago)
    subscriber("new@example.com", confirmed_at=timezone.now())
    subscriber("new2@example.com", confirmed_at=timezone.now())
    subscriber(
        "left@example.com", status="unsubscribed", confirmed_at=long_ago, unsubscribed_at=timezone.now()
    )
    mailing = queued_newsletter([make_article()], subject="آخر نشرة")
    Delivery.objects.create(mailing=mailing, subscriber=Subscriber.objects.get(email="old@example.com"))

    html = chief_client.get("/en/admin/").content.decode()

    assert "3 confirmed subscribers" in html
    assert "+1 this week" in html
    assert "Last mailing “آخر نشرة”: 0 sent, 1 pending, 0 failed." in html
