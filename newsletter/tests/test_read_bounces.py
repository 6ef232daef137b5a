"""``manage.py read_bounces`` over a real Maildir folder and a real IMAP server (TLS, 127.0.0.1)."""

import io
import mailbox
import os
import shutil
import socket
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from newsletter.models import Subscriber
from newsletter.sending import send_due_mailings

from .bounce_reports import report, return_paths
from .factories import queued_newsletter, subscriber
from .helpers import recipients
from .imap_server import IMAPTestServer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _bounce_settings(settings):
    settings.NEWSLETTER_MAX_PER_SECOND = 0
    settings.NEWSLETTER_DIGEST = "off"
    settings.NEWSLETTER_BOUNCE_ADDRESS = "bounces@kawalis.example"
    settings.NEWSLETTER_BOUNCE_MAILDIR = ""
    settings.NEWSLETTER_BOUNCE_IMAP = ""


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: ``(certificate file, key file)``."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for the test IMAP server's TLS")
    folder = tmp_path_factory.mktemp("imap-tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return str(cert), str(key)


@pytest.fixture
def trusted(certificate, monkeypatch):
    """The test certificate trusted the way an operator would trust a private authority."""
    monkeypatch.setenv("SSL_CERT_FILE", certificate[0])
    return certificate


@pytest.fixture
def bounced_newsletter(smtp_sink, make_article):
    """Three readers sent one newsletter, and the reports about two of them: ``(hard, complaint)``."""
    subscriber("gone@example.com")
    subscriber("angry@example.com")
    subscriber("reader@example.com")
    queued_newsletter([make_article()])
    send_due_mailings()
    sent = return_paths(smtp_sink)
    hard = report(
        "dsn-5.1.1-user-unknown.eml", return_path=sent["gone@example.com"], recipient="gone@example.com"
    )
    complaint = report(
        "arf-abuse.eml",
        report_to="fbl@kawalis.example",
        return_path=sent["angry@example.com"],
        recipient="angry@example.com",
    )
    return hard, complaint


NOTHING_READ = (
    ": 0 hard bounces, 0 soft bounces, 0 complaints, 0 delivered, 0 unmatched, 0 skipped, 0 already read\n"
)


def read_bounces(**options):
    out = io.StringIO()
    call_command("read_bounces", stdout=out, **options)
    return out.getvalue()


def statuses():
    return dict(Subscriber.objects.values_list("email", "status"))


def unused_port():
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def test_read_bounces_applies_a_maildirs_reports_and_moves_each_message_to_cur(
    bounced_newsletter, smtp_sink, make_article, tmp_path
):
    hard, complaint = bounced_newsletter
    folder = mailbox.Maildir(tmp_path / "bounces", create=True)
    out_of_office = report("out-of-office.eml")
    for message in (hard, complaint, out_of_office, hard):  # the MTA delivered one report twice
        folder.add(message)

    out = read_bounces(maildir=str(tmp_path / "bounces"))

    assert out == (
        f"Maildir {tmp_path / 'bounces'}: 1 hard bounces, 0 soft bounces, 1 complaints, 0 delivered, "
        "0 unmatched, 1 skipped, 1 already read\n"
    )
    assert statuses() == {
        "gone@example.com": Subscriber.Status.BOUNCED,
        "angry@example.com": Subscriber.Status.COMPLAINED,
        "reader@example.com": Subscriber.Status.CONFIRMED,
    }
    folder = mailbox.Maildir(tmp_path / "bounces", create=False)
    read = sorted(
        (folder.get_bytes(key), message.get_subdir(), message.get_flags()) for key, message in folder.items()
    )
    assert read == sorted(
        [(hard, "cur", "S"), (hard, "cur", "S"), (complaint, "cur", "S"), (out_of_office, "cur", "FS")]
    )

    # Read: the next run finds nothing new; the next mailing leaves the two addresses out.
    assert read_bounces(maildir=str(tmp_path / "bounces")).endswith(NOTHING_READ)
    smtp_sink.clear()
    queued_newsletter([make_article()], subject="الثانية")
    send_due_mailings()
    assert recipients(smtp_sink) == ["reader@example.com"]


def test_read_bounces_reads_the_maildir_of_the_settings_when_given_none(
    bounced_newsletter, tmp_path, settings
):
    hard, _complaint = bounced_newsletter
    mailbox.Maildir(tmp_path / "bounces", create=True).add(hard)
    settings.NEWSLETTER_BOUNCE_MAILDIR = str(tmp_path / "bounces")

    assert "1 hard bounces" in read_bounces()


def test_read_bounces_without_a_mailbox_says_what_to_give():
    with pytest.raises(CommandError, match=r"Nothing to read: give --maildir PATH or --imap URL"):
        call_command("read_bounces")


def test_read_bounces_on_a_folder_that_is_not_a_maildir_fails_with_one_line(tmp_path):
    (tmp_path / "mail" / "new").mkdir(parents=True)

    with pytest.raises(CommandError) as caught:
        call_command("read_bounces", maildir=str(tmp_path / "mail"))

    assert str(caught.value) == (
        f"no Maildir at {tmp_path / 'mail'}: it needs the folders new/, cur/ and tmp/ (missing: cur, tmp)"
    )


def test_read_bounces_exits_non_zero_with_one_line_on_a_missing_folder(tmp_path):
    environment = {**os.environ, "SECRET_KEY": "command-test-" + "c" * 50}
    environment.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "read_bounces", "--maildir", str(tmp_path / "nowhere")],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"CommandError: no Maildir at {tmp_path / 'nowhere'}: it needs the folders new/, cur/ and tmp/ "
        "(missing: new, cur, tmp)"
    ]


@pytest.mark.parametrize("move", [True, False], ids=["with-MOVE", "copy-and-expunge"])
def test_read_bounces_reads_an_imap_mailbox_over_tls_and_moves_what_it_read(
    bounced_newsletter, trusted, move
):
    hard, complaint = bounced_newsletter
    out_of_office = report("out-of-office.eml")
    with IMAPTestServer(certificate=trusted, move=move) as server:
        for message in (hard, complaint, out_of_office):
            server.add(message)
        server.add(b"an old report, already read", flags={"\\Seen"})
        url = f"imaps://bounces:secret@127.0.0.1:{server.port}/INBOX?processed=Processed"

        out = read_bounces(imap=url)
        again = read_bounces(imap=url)

    assert out == (
        f"IMAP 127.0.0.1:{server.port}/INBOX: 1 hard bounces, 0 soft bounces, 1 complaints, 0 delivered, "
        "0 unmatched, 1 skipped, 0 already read\n"
    )
    assert "secret" not in out
    assert again.endswith(NOTHING_READ)
    assert statuses()["gone@example.com"] == Subscriber.Status.BOUNCED
    assert statuses()["angry@example.com"] == Subscriber.Status.COMPLAINED
    # What was used went to the processed folder; the rest stays, flagged for a person to look at.
    assert sorted((m["data"], m["flags"]) for m in server.folders["Processed"]) == sorted(
        [(hard, {"\\Seen"}), (complaint, {"\\Seen"})]
    )
    assert [(m["data"], m["flags"]) for m in server.folders["INBOX"]] == [
        (out_of_office, {"\\Seen", "\\Flagged"}),
        (b"an old report, already read", {"\\Seen"}),
    ]


def test_read_bounces_fails_with_one_line_when_the_imap_server_is_unreachable():
    port = unused_port()

    with pytest.raises(CommandError, match=rf"^cannot reach the IMAP server 127\.0\.0\.1:{port}: .*refused"):
        call_command("read_bounces", imap=f"imaps://bounces:secret@127.0.0.1:{port}/INBOX")


def test_read_bounces_refuses_an_imap_server_whose_certificate_it_cannot_verify(certificate, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with (
        IMAPTestServer(certificate=certificate) as server,
        pytest.raises(CommandError, match="verify failed"),
    ):
        call_command("read_bounces", imap=f"imaps://bounces:secret@127.0.0.1:{server.port}/INBOX")

    assert server.logins == 0


def test_read_bounces_will_not_send_the_password_over_plain_imap():
    refusal = "offers no STARTTLS: the password would cross the network"
    with IMAPTestServer(certificate=None) as server, pytest.raises(CommandError, match=refusal):
        call_command("read_bounces", imap=f"imap://bounces:secret@127.0.0.1:{server.port}/INBOX")

    assert server.logins == 0


def test_read_bounces_says_when_the_imap_login_or_mailbox_is_wrong(trusted):
    with IMAPTestServer(certificate=trusted) as server:
        with pytest.raises(
            CommandError, match=rf"^the IMAP server 127\.0\.0\.1:{server.port} refused the login$"
        ):
            call_command("read_bounces", imap=f"imaps://bounces:wrong@127.0.0.1:{server.port}/INBOX")
        with pytest.raises(CommandError, match=r"^no mailbox 'Bounces' on the IMAP server"):
            call_command("read_bounces", imap=f"imaps://bounces:secret@127.0.0.1:{server.port}/Bounces")
