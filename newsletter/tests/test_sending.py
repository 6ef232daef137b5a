"""Sending over real SMTP to the test sink: what arrives, and what the records say."""

import io
import re
import socket

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from articles.images import rendition_name
from kawalis.sending_runs import Pacer
from newsletter.digests import queue_due_digest
from newsletter.models import Delivery, Mailing, Subscriber
from newsletter.sending import send_due_mailings
from newsletter.smtp import SMTPConnection

from .factories import jpeg, queued_newsletter, subscriber
from .helpers import parts, path_of, recipients

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.NEWSLETTER_MAX_PER_SECOND = 0
    settings.NEWSLETTER_DIGEST = "off"


def test_newsletter_arrives_as_text_and_right_to_left_html_with_unsubscribe_headers(smtp_sink, make_article):
    article = make_article(title_ar="عنوان المقال", lead_ar="ملخص المقال", image=jpeg())
    reader = subscriber("reader@example.com")
    mailing = queued_newsletter([article])

    report = send_due_mailings()

    assert report.sent == 1
    [message] = smtp_sink.messages
    assert message["To"] == "reader@example.com"
    assert message["Subject"] == "نشرة خاصة"
    assert message.get_content_type() == "multipart/alternative"
    body = parts(message)
    assert set(body) == {"text/plain", "text/html"}
    assert "عنوان المقال" in body["text/plain"]
    assert '<html lang="ar" dir="rtl">' in body["text/html"]
    assert "direction:rtl" in body["text/html"]
    rendition = default_storage.url(rendition_name(article.image.name, 40, "jpg"))  # the photo is 40 px
    assert f'src="http://127.0.0.1:8000{rendition}"' in body["text/html"]
    assert f'href="http://127.0.0.1:8000{article.get_absolute_url()}"' in body["text/html"]
    assert "<p>مرحبا بكم.</p>" in body["text/html"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    one_click = message["List-Unsubscribe"].strip().strip("<>")
    assert one_click.startswith("http://127.0.0.1:8000/newsletter/one-click/")
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DONE
    assert Delivery.objects.get().status == Delivery.Status.SENT

    # RFC 8058: the mailbox provider posts, without cookies, to the header's address.
    response = Client(enforce_csrf_checks=True).post(
        path_of(one_click), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED

    queued_newsletter([article], subject="الثانية")
    send_due_mailings()
    assert len(smtp_sink.messages) == 1  # leaving is instant


def test_unsubscribe_link_in_the_body_leads_to_the_one_button_page(smtp_sink, make_article):
    subscriber("lecteur@example.com", language="fr")
    queued_newsletter([make_article(title_fr="Titre")], language="fr", subject="Lettre")

    send_due_mailings()

    [message] = smtp_sink.messages
    html = parts(message)["text/html"]
    assert '<html lang="fr" dir="ltr">' in html
    text = parts(message)["text/plain"]
    [link] = [line.split()[-1] for line in text.splitlines() if "/unsubscribe/" in line]
    assert link.startswith("http://127.0.0.1:8000/fr/newsletter/unsubscribe/")
    client = Client()
    page = client.get(path_of(link))
    assert page.status_code == 200
    client.post(path_of(link))
    assert Subscriber.objects.get().status == Subscriber.Status.UNSUBSCRIBED


def test_newsletter_goes_only_to_confirmed_readers_of_its_language(smtp_sink, make_article):
    subscriber("ar@example.com")
    subscriber("fr@example.com", language="fr")
    subscriber("pending@example.com", status=Subscriber.Status.PENDING)
    subscriber("left@example.com", status=Subscriber.Status.UNSUBSCRIBED)
    subscriber("bounced@example.com", status=Subscriber.Status.BOUNCED)
    queued_newsletter([make_article()])

    send_due_mailings()

    assert recipients(smtp_sink) == ["ar@example.com"]


def test_draft_newsletter_is_not_sent(smtp_sink, make_article):
    subscriber("ar@example.com")
    Mailing.objects.create(subject="draft")

    assert send_due_mailings().sent == 0
    assert smtp_sink.messages == []


def test_digest_holds_new_articles_in_each_readers_language_and_comes_once_a_period(
    smtp_sink, make_article, settings
):
    settings.NEWSLETTER_DIGEST = "daily"
    settings.NEWSLETTER_DIGEST_HOUR = 0
    translated = make_article(title_ar="مقال مترجم", title_fr="Article traduit")
    make_article(title_ar="مقال بالعربية فقط")
    make_article(title_ar="مقال قديم", published_at=timezone.now() - timezone.timedelta(days=3))
    make_article(title_ar="مسودة", status="draft")
    subscriber("ar@example.com")
    subscriber("fr@example.com", language="fr")

    report = send_due_mailings()

    assert report.sent == 2
    by_reader = {message["To"]: parts(message)["text/plain"] for message in smtp_sink.messages}
    assert "مقال مترجم" in by_reader["ar@example.com"]
    assert "مقال بالعربية فقط" in by_reader["ar@example.com"]
    assert "مقال قديم" not in by_reader["ar@example.com"]
    assert "مسودة" not in by_reader["ar@example.com"]
    assert "Article traduit" in by_reader["fr@example.com"]
    assert "مقال بالعربية فقط" not in by_reader["fr@example.com"]  # untranslated: left out
    assert f"http://127.0.0.1:8000/fr/article/{translated.pk}/" in by_reader["fr@example.com"]
    digest = Mailing.objects.get(kind=Mailing.Kind.DIGEST)
    assert set(Subscriber.objects.values_list("last_digest_at", flat=True)) == {digest.covers_until}

    make_article(title_ar="مقال جديد بعد الموجز")
    assert send_due_mailings().sent == 0  # one digest per day
    assert len(smtp_sink.messages) == 2


def test_digest_is_not_due_before_the_hour_nor_without_new_articles(make_article, settings):
    settings.NEWSLETTER_DIGEST = "daily"
    settings.NEWSLETTER_DIGEST_HOUR = 7
    early = timezone.make_aware(timezone.datetime(2026, 3, 2, 6, 59))
    later = timezone.make_aware(timezone.datetime(2026, 3, 2, 7, 0))

    assert queue_due_digest(later) is None  # nothing published yet
    make_article(published_at=early - timezone.timedelta(hours=1))
    assert queue_due_digest(early) is None
    digest = queue_due_digest(later)
    assert digest.digest_key == "2026-03-02"
    assert queue_due_digest(later + timezone.timedelta(hours=3)) is None


def test_weekly_digest_has_one_key_per_iso_week(make_article, settings):
    settings.NEWSLETTER_DIGEST = "weekly"
    settings.NEWSLETTER_DIGEST_HOUR = 7
    monday = timezone.make_aware(timezone.datetime(2026, 3, 2, 8, 0))
    make_article(published_at=monday - timezone.timedelta(days=1))

    assert queue_due_digest(monday).digest_key == "2026-W10"
    assert queue_due_digest(monday + timezone.timedelta(days=3)) is None


def test_temporary_refusal_is_retried_later_with_back_off(smtp_sink, make_article, settings):
    settings.NEWSLETTER_RETRY_SECONDS = 60
    subscriber("slow@example.com")
    mailing = queued_newsletter([make_article()])
    smtp_sink.refuse("slow@example.com", 451)

    report = send_due_mailings()

    assert (report.sent, report.retry_later) == (0, 1)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.PENDING
    assert delivery.attempts == 1
    assert "451" in delivery.last_error
    assert delivery.next_attempt_at > timezone.now() + timezone.timedelta(seconds=50)
    assert send_due_mailings().sent == 0  # not due yet

    smtp_sink.refusals.clear()
    Delivery.objects.update(next_attempt_at=timezone.now())
    smtp_sink.refuse("slow@example.com", 451)
    send_due_mailings()
    second_wait = Delivery.objects.get().next_attempt_at - timezone.now()
    assert second_wait > timezone.timedelta(seconds=110)  # the wait doubled

    smtp_sink.refusals.clear()
    Delivery.objects.update(next_attempt_at=timezone.now())
    assert send_due_mailings().sent == 1
    assert recipients(smtp_sink) == ["slow@example.com"]
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DONE


def test_temporary_refusals_give_up_after_the_last_attempt(smtp_sink, make_article, settings):
    settings.NEWSLETTER_MAX_ATTEMPTS = 2
    subscriber("slow@example.com")
    queued_newsletter([make_article()])
    smtp_sink.refuse("slow@example.com", 451)

    send_due_mailings()
    Delivery.objects.update(next_attempt_at=timezone.now())
    send_due_mailings()

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 2)
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED  # not a bounce


def test_permanent_refusal_marks_the_address_bounced(smtp_sink, make_article):
    subscriber("gone@example.com")
    subscriber("fine@example.com")
    mailing = queued_newsletter([make_article()])
    smtp_sink.refuse("gone@example.com", 550)

    report = send_due_mailings()

    assert (report.sent, report.failed) == (1, 1)
    gone = Subscriber.objects.get(email="gone@example.com")
    assert gone.status == Subscriber.Status.BOUNCED
    assert gone.bounced_at is not None
    failed = Delivery.objects.get(subscriber=gone)
    assert failed.status == Delivery.Status.FAILED
    assert "550" in failed.last_error
    assert recipients(smtp_sink) == ["fine@example.com"]
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DONE


def test_subscriber_who_leaves_mid_send_is_skipped(smtp_sink, make_article):
    reader = subscriber("reader@example.com")
    mailing = queued_newsletter([make_article()])
    from newsletter.sending import add_recipients

    add_recipients(mailing)
    reader.unsubscribe()

    report = send_due_mailings()

    assert (report.sent, report.skipped) == (0, 1)
    assert smtp_sink.messages == []


def test_recipients_are_listed_across_chunks_once_however_often_it_runs(make_article, monkeypatch):
    from newsletter import sending

    monkeypatch.setattr(sending, "RECIPIENT_CHUNK", 2)
    readers = [subscriber(f"reader{number}@example.com") for number in range(5)]
    mailing = queued_newsletter([make_article()])

    sending.add_recipients(mailing)
    Mailing.objects.filter(pk=mailing.pk).update(recipients_added_at=None)  # as if it died after
    mailing.refresh_from_db()
    sending.add_recipients(mailing)

    listed = list(Delivery.objects.filter(mailing=mailing).values_list("subscriber_id", flat=True))
    assert sorted(listed) == sorted(reader.pk for reader in readers)


def link_owners(text, path):
    """The subscribers whose signed links under ``path`` appear in ``text`` (a link signed a
    second later than the test's own call differs in its timestamp, not in whom it names)."""
    tokens = re.findall(rf"{re.escape(path)}([^/\s\"<>]+)/", text)
    return [Subscriber.objects.from_unsubscribe_token(token) for token in tokens]


def test_each_readers_message_is_the_bodys_template_with_their_own_values(smtp_sink, make_article):
    import time
    from email.utils import mktime_tz, parsedate_tz

    from newsletter.rendering import MessageTemplate, render_mailing

    readers = [subscriber(f"reader{n}@example.com") for n in range(2)]
    mailing = queued_newsletter([make_article()])
    assert MessageTemplate(render_mailing(mailing, "ar")).data is not None  # the fast path is taken

    send_due_mailings()

    by_reader = {message["To"]: message for message in smtp_sink.messages}
    assert set(by_reader) == {reader.email for reader in readers}
    ids = set()
    for reader in readers:
        message = by_reader[reader.email]
        assert link_owners(message["List-Unsubscribe"], "/newsletter/one-click/") == [reader]
        for body in parts(message).values():
            assert link_owners(body, "/newsletter/unsubscribe/") == [reader]
            assert "invalid" not in body  # no stand-in left anywhere
        assert "invalid" not in str(message["Message-ID"]) + str(message["To"])
        assert abs(mktime_tz(parsedate_tz(message["Date"])) - time.time()) < 60
        ids.add(message["Message-ID"])
    assert len(ids) == 2


def test_each_readers_links_are_the_ones_their_own_methods_give_in_their_language(smtp_sink, make_article):
    # The template reverses each link once per body and puts each reader's token in.
    readers = [subscriber(f"lecteur{n}@example.com", language="fr") for n in range(2)]
    queued_newsletter([make_article(title_fr="Article")], language="fr")

    send_due_mailings()

    by_reader = {message["To"]: message for message in smtp_sink.messages}
    for reader in readers:
        message = by_reader[reader.email]
        one_click = message["List-Unsubscribe"].strip().strip("<>")
        token = one_click.rstrip("/").rsplit("/", 1)[1]
        assert Subscriber.objects.from_unsubscribe_token(token) == reader
        assert one_click == reader.one_click_unsubscribe_url(token)
        page = reader.unsubscribe_url(token)
        assert "/fr/" in page
        for body in parts(message).values():
            assert page in body


def test_a_body_the_template_cannot_hold_is_built_in_full_for_each_reader(smtp_sink, make_article):
    from newsletter.rendering import MessageTemplate, render_mailing

    reader = subscriber("reader@example.com")
    # One line past 998 characters: the text part is quoted-printable encoded, which would
    # hide the stand-ins, so every message of this body is built in full.
    mailing = queued_newsletter([make_article()], intro="خبر " * 400)
    assert MessageTemplate(render_mailing(mailing, "ar")).data is None

    send_due_mailings()

    (message,) = smtp_sink.messages
    assert message["To"] == reader.email
    assert link_owners(parts(message)["text/plain"], "/newsletter/unsubscribe/") == [reader]
    # Folded onto a line of its own when built in full; the same value once unfolded.
    assert link_owners(message["List-Unsubscribe"], "/newsletter/one-click/") == [reader]
    assert message["List-Unsubscribe"].strip().startswith("<http")


class _SenderDied(BaseException):
    """Stands for SIGKILL: nothing in the sender catches it."""


def test_sender_dying_after_the_record_and_before_the_final_dot_leaves_that_message_uncertain_never_repeated(
    smtp_sink, make_article, monkeypatch
):
    # The one window of newsletter.sending, forced: the row is committed as uncertain, then the
    # process is gone before the "." reaches the server, which therefore drops the message.
    readers = [subscriber(f"reader{n}@example.com") for n in range(5)]
    queued_newsletter([make_article()])
    finished = []
    real_finish = SMTPConnection.finish

    def die_on_the_third(connection):
        if len(finished) == 2:
            connection.smtp.sock.shutdown(socket.SHUT_RDWR)  # the kernel's doing for a killed process
            raise _SenderDied
        finished.append(True)
        return real_finish(connection)

    monkeypatch.setattr(SMTPConnection, "finish", die_on_the_third)
    with pytest.raises(_SenderDied):
        send_due_mailings()
    monkeypatch.undo()

    report = send_due_mailings()

    assert report.sent == 2
    received = recipients(smtp_sink)
    assert len(received) == len(set(received)) == 4
    lost = {reader.email for reader in readers} - set(received)
    assert len(lost) == 1
    assert lost <= set(smtp_sink.accepted)  # it reached the server, which dropped it unfinished
    # Never marked sent (no 250 came), never sent again by itself: uncertain, for the admin to see.
    assert Delivery.objects.get(subscriber__email__in=lost).status == Delivery.Status.UNCERTAIN
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 4


def test_stop_request_ends_the_run_between_messages_and_the_next_run_sends_the_rest(smtp_sink, make_article):
    for n in range(4):
        subscriber(f"reader{n}@example.com")
    queued_newsletter([make_article()])
    asked = []

    def stop_after_two():
        asked.append(True)
        return len(asked) > 2

    first = send_due_mailings(should_stop=stop_after_two)
    assert (first.sent, first.stopped) == (2, True)
    assert str(first).endswith("stopped on request, the next run sends the rest")
    assert sorted(smtp_sink.accepted) == sorted(recipients(smtp_sink))  # nothing left half-sent

    second = send_due_mailings()

    assert (second.sent, second.stopped) == (2, False)
    assert len(set(recipients(smtp_sink))) == len(recipients(smtp_sink)) == 4
    assert Mailing.objects.get().status == Mailing.Status.DONE


def test_pacer_spaces_messages_to_the_rate_limit():
    clock = [100.0]
    slept = []

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    pacer = Pacer(5, clock=lambda: clock[0], sleep=sleep)
    for _ in range(10):
        pacer.wait()

    assert sum(slept) == pytest.approx(9 * 0.2)
    assert Pacer(0, clock=lambda: 0, sleep=sleep).interval == 0


def test_command_sends_and_prints_a_summary(smtp_sink, make_article, capsys):
    subscriber("reader@example.com")
    queued_newsletter([make_article()])

    call_command("send_newsletter")

    assert "1 sent" in capsys.readouterr().out
    assert len(smtp_sink.messages) == 1


def test_command_fails_with_one_line_when_smtp_is_down(make_article, settings):
    from kawalis.tests.smtp_sink import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    subscriber("reader@example.com")
    queued_newsletter([make_article()])

    with pytest.raises(CommandError, match="cannot reach the SMTP server"):
        call_command("send_newsletter")

    assert Delivery.objects.get().status == Delivery.Status.PENDING


def test_command_refuses_a_negative_rate():
    with pytest.raises(CommandError, match="--rate"):
        call_command("send_newsletter", "--rate", "-1")


def test_editors_intro_is_escaped_in_the_html(smtp_sink, make_article):
    subscriber("reader@example.com")
    queued_newsletter([make_article()], intro="<script>alert(1)</script>")

    send_due_mailings()

    html = parts(smtp_sink.messages[0])["text/html"]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_pipelined_smtp_sends_and_handles_refusals_the_same_way(smtp_sink, make_article):
    smtp_sink.pipelining = True
    subscriber("fine@example.com")
    subscriber("gone@example.com")
    subscriber("slow@example.com")
    smtp_sink.refuse("gone@example.com", 550)
    smtp_sink.refuse("slow@example.com", 451)
    queued_newsletter([make_article()])

    report = send_due_mailings()

    assert (report.sent, report.failed, report.retry_later) == (1, 1, 1)
    assert recipients(smtp_sink) == ["fine@example.com"]
    assert parts(smtp_sink.messages[0])["text/plain"].startswith("نشرة خاصة")
    assert Subscriber.objects.get(email="gone@example.com").status == Subscriber.Status.BOUNCED
    assert Delivery.objects.get(subscriber__email="slow@example.com").status == Delivery.Status.PENDING


def test_a_line_starting_with_a_dot_arrives_intact(smtp_sink, make_article):
    subscriber("reader@example.com")
    queued_newsletter([make_article()], intro=".\n.hidden line")

    send_due_mailings()

    assert ".hidden line" in parts(smtp_sink.messages[0])["text/plain"]


def test_command_draws_a_progress_bar_on_a_terminal(smtp_sink, make_article):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    subscriber("one@example.com")
    subscriber("two@example.com")
    queued_newsletter([make_article()])
    out = Terminal()

    call_command("send_newsletter", stdout=out)

    assert "\r[###############...............] 1/2" in out.getvalue()
    assert "\r[##############################] 2/2" in out.getvalue()
    assert out.getvalue().rstrip().endswith("2 sent, 0 to retry later, 0 failed, 0 skipped")


def _synchronous(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW synchronous_commit")
        else:
            cursor.execute("PRAGMA synchronous")
        return cursor.fetchone()[0]


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_relaxed_commits_on_sqlite_skip_the_flush_only_in_wal_mode_and_only_while_sending(
    tmp_path, settings, monkeypatch, journal_mode
):
    from django.db import connection, connections
    from django.db.backends.sqlite3.base import DatabaseWrapper

    from newsletter import sending

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's pragmas")
    # A database file of its own: the tests' in-memory database has no WAL mode.
    own = DatabaseWrapper({**connections.settings["default"], "NAME": str(tmp_path / "db.sqlite3")}, "own")
    with own.cursor() as cursor:
        cursor.execute(f"PRAGMA journal_mode = {journal_mode}")
    monkeypatch.setattr(sending, "db_connection", own)
    settings.NEWSLETTER_SYNCHRONOUS_COMMIT = False
    full, normal = 2, 1

    with sending._commits_without_disk_wait():
        during = _synchronous(own)
    after = _synchronous(own)
    own.close()

    assert during == (normal if journal_mode == "wal" else full)
    assert after == full


@pytest.mark.postgres
def test_relaxed_commits_on_postgresql_are_off_only_while_sending(settings):
    from django.db import connection

    from newsletter import sending

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's synchronous_commit")
    settings.NEWSLETTER_SYNCHRONOUS_COMMIT = False

    with sending._commits_without_disk_wait():
        during = _synchronous(connection)

    assert (during, _synchronous(connection)) == ("off", "on")
