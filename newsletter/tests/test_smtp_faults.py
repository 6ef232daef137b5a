"""The newsletter's accounting under SMTP faults: only the server's 250 after "." makes a message
sent; a message cut before its "." is sent again; no answer to the "." is recorded as uncertain;
after a 421 or a dropped connection the next message goes over a new one."""

import pytest
from django.test import Client

from newsletter.models import Delivery, Mailing
from newsletter.sending import send_due_mailings

from .factories import queued_newsletter, subscriber
from .faulty_smtp import FaultySMTPServer

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast(settings):
    settings.NEWSLETTER_MAX_PER_SECOND = 0
    settings.NEWSLETTER_DIGEST = "off"
    settings.NEWSLETTER_RETRY_SECONDS = 0  # a refused attempt is due again at once
    settings.EMAIL_TIMEOUT = 1  # how long the sender waits for an answer


@pytest.fixture
def faulty_smtp(settings):
    """``faulty_smtp({2: "drop-mid-data"})``: the site's mail goes to a server with those faults."""
    servers = []

    def start(faults):
        server = FaultySMTPServer(faults).__enter__()
        servers.append(server)
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def readers(count):
    return [subscriber(f"reader{n}@example.com").email for n in range(1, count + 1)]


def test_a_message_cut_before_its_final_dot_is_sent_again_and_arrives_once(faulty_smtp, make_article):
    emails = readers(3)
    queued_newsletter([make_article()])
    server = faulty_smtp({2: "drop-mid-data"})

    report = send_due_mailings()

    assert sorted(server.recipients()) == sorted(emails)  # each exactly once
    assert report.sent == 3
    assert report.retry_later == 1
    cut = Delivery.objects.get(subscriber__email="reader2@example.com")
    assert cut.status == Delivery.Status.SENT
    assert cut.attempts == 2
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 3
    assert server.sessions == 2  # the next message went over a new connection


@pytest.mark.parametrize("fault", ["421-at-mail", "421-at-mail-left-open"])
def test_after_a_421_the_next_message_is_delivered_over_a_new_connection(faulty_smtp, make_article, fault):
    emails = readers(3)
    queued_newsletter([make_article()])
    server = faulty_smtp({2: fault})

    report = send_due_mailings()

    assert sorted(server.recipients()) == sorted(emails)
    assert report.sent == 3
    assert server.sessions == 2
    assert Delivery.objects.get(subscriber__email="reader2@example.com").attempts == 2


def test_a_421_answer_to_the_final_dot_means_not_taken_the_message_is_sent_again(faulty_smtp, make_article):
    emails = readers(2)
    queued_newsletter([make_article()])
    server = faulty_smtp({1: "421-after-dot"})

    report = send_due_mailings()

    assert sorted(server.recipients()) == sorted(emails)
    assert report.sent == 2
    assert server.sessions == 2
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 2


def test_no_answer_to_the_final_dot_leaves_the_message_uncertain_and_never_sends_it_twice(
    faulty_smtp, make_article
):
    emails = readers(3)
    mailing = queued_newsletter([make_article()])
    server = faulty_smtp({1: "silent-after-dot"})

    report = send_due_mailings()
    again = send_due_mailings()

    assert sorted(server.recipients()) == sorted(emails)  # the silent server did keep it: once
    assert (report.sent, report.uncertain) == (2, 1)
    assert "1 uncertain" in str(report)
    assert (again.sent, again.uncertain) == (0, 0)
    silent = Delivery.objects.get(subscriber__email="reader1@example.com")
    assert silent.status == Delivery.Status.UNCERTAIN
    assert "no answer to the end of the message" in silent.last_error
    assert silent.sent_at is not None
    assert Mailing.objects.with_progress().get(pk=mailing.pk).uncertain_count == 1


def test_uncertain_deliveries_are_visible_in_the_admin(faulty_smtp, make_article, django_user_model):
    readers(2)
    mailing = queued_newsletter([make_article()])
    faulty_smtp({1: "silent-after-dot"})
    send_due_mailings()
    admin = django_user_model.objects.create_superuser("chief", "chief@example.com", "pw-chief-1")
    browser = Client()
    browser.force_login(admin)

    listed = browser.get("/en/admin/newsletter/delivery/", {"status__exact": "uncertain"})
    mailing_page = browser.get(f"/en/admin/newsletter/mailing/{mailing.pk}/change/")

    assert listed.status_code == 200
    assert "reader1@example.com" in listed.content.decode()
    assert "reader2@example.com" not in listed.content.decode()
    assert "1 uncertain" in mailing_page.content.decode()
