"""The footer signup and double opt-in, over real SMTP to the test sink."""

import pytest
from django.core import signing
from django.test import Client, TestCase
from django.utils import timezone

from newsletter.models import CONFIRM_SALT, Subscriber

from .helpers import links, parts, path_of

pytestmark = pytest.mark.django_db


def committed(request):
    """``request()``, then what it left to run after its commit (the confirmation task): a test's
    own transaction never commits, production's requests do."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return request()


def sign_up(client, email, prefix="", address="203.0.113.77"):
    return committed(lambda: client.post(f"{prefix}/newsletter/", {"email": email}, REMOTE_ADDR=address))


def test_every_page_carries_the_footer_signup_in_the_sites_words(client, make_article):
    article = make_article()
    for url in ("/", article.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "اشتراك في القائمة البريدية" in html
        assert "إشترك بالقائمة البريدية لكواليس اليوم لتتوصل بكل الجديد عبر البريد الإلكتروني" in html
        assert 'name="csrfmiddlewaretoken"' not in html  # a shared page: no reader's secret
        assert '<label class="newsletter-field__label" for="newsletter-footer-email">' in html


def test_footer_signup_is_translated_on_french_pages(client):
    html = client.get("/fr/").content.decode()
    assert "Abonnement à la liste de diffusion" in html
    assert 'action="/fr/newsletter/"' in html


def test_signup_sends_a_confirmation_whose_link_confirms(client, smtp_sink):
    response = sign_up(client, "  Reader@Example.COM ")

    assert response.status_code == 302
    assert response["Location"] == "/newsletter/check-your-inbox/"
    subscriber = Subscriber.objects.get()
    assert subscriber.email == "reader@example.com"
    assert subscriber.status == Subscriber.Status.PENDING
    assert subscriber.language == "ar"
    assert subscriber.consent_network == "203.0.113.0/24"
    assert "إشترك بالقائمة البريدية" in subscriber.consent_text
    [message] = smtp_sink.messages
    assert message["To"] == "reader@example.com"
    assert "كواليس اليوم" in message["Subject"]
    body = parts(message)
    assert 'dir="rtl"' in body["text/html"]
    [confirm_url] = links(message, "/newsletter/confirm/")
    assert confirm_url.startswith("http://127.0.0.1:8000/newsletter/confirm/")

    page = client.get(path_of(confirm_url))

    assert page.status_code == 200
    assert "reader@example.com" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED
    assert subscriber.confirmed_at is not None


def test_confirmation_is_in_the_language_of_the_page_signed_up_on(client, smtp_sink):
    sign_up(client, "lecteur@example.com", prefix="/fr")

    [message] = smtp_sink.messages
    assert Subscriber.objects.get().language == "fr"
    assert "Confirmez" in message["Subject"]
    assert 'lang="fr" dir="ltr"' in parts(message)["text/html"]
    [confirm_url] = links(message, "/confirm/")
    assert "/fr/newsletter/confirm/" in confirm_url


def test_every_answer_is_the_same_check_your_inbox_page(client, smtp_sink, settings):
    settings.NEWSLETTER_RESEND_MINUTES = 10
    Subscriber.objects.create(email="member@example.com", status="confirmed", consent_text="x")
    Subscriber.objects.create(email="waiting@example.com", status="pending", consent_text="x")

    answers = [
        sign_up(client, address)
        for address in ("new@example.com", "member@example.com", "waiting@example.com")
    ]

    assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/newsletter/check-your-inbox/")}
    page = client.get("/newsletter/check-your-inbox/").content.decode()
    assert "تحقق من بريدك" in page


def test_confirmed_subscriber_is_not_mailed_again_by_the_form(client, smtp_sink):
    Subscriber.objects.create(email="member@example.com", status="confirmed", consent_text="x")

    sign_up(client, "MEMBER@example.com")

    assert smtp_sink.messages == []
    assert Subscriber.objects.count() == 1


def test_signing_up_again_while_pending_resends_but_not_within_minutes(client, smtp_sink, settings):
    settings.NEWSLETTER_RESEND_MINUTES = 10
    sign_up(client, "reader@example.com")
    sign_up(client, "reader@example.com")
    assert len(smtp_sink.messages) == 1

    Subscriber.objects.update(confirmation_sent_at=timezone.now() - timezone.timedelta(minutes=11))
    sign_up(client, "reader@example.com")

    assert len(smtp_sink.messages) == 2
    assert Subscriber.objects.count() == 1


def test_coming_back_after_leaving_needs_a_new_confirmation(client, smtp_sink):
    subscriber = Subscriber.objects.create(
        email="back@example.com", status="unsubscribed", consent_text="old"
    )

    sign_up(client, "back@example.com")

    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING
    assert "إشترك" in subscriber.consent_text
    [message] = smtp_sink.messages
    client.get(path_of(links(message, "/confirm/")[0]))
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.CONFIRMED


@pytest.mark.parametrize(
    ("posted", "error"),
    [
        ("", "أدخل عنوان بريدك الإلكتروني"),
        ("not-an-address", "أدخل عنوانا صحيحا"),
        ("a" * 250 + "@example.com", "طويل جدا"),
        ("victim@example.com\r\nBcc: everyone@example.com", "عنوانا واحدا"),
        ("one@example.com,two@example.com", "عنوانا واحدا"),
        ("one@example.com two@example.com", "عنوانا واحدا"),
        ("x" * 2000, "طويل جدا"),
    ],
    ids=["empty", "malformed", "over-long", "newline-injection", "comma-list", "space-list", "huge"],
)
def test_bad_addresses_get_a_clear_translated_error_and_store_nothing(client, smtp_sink, posted, error):
    response = sign_up(client, posted)

    assert response.status_code == 400
    assert error in response.content.decode()
    assert Subscriber.objects.count() == 0
    assert smtp_sink.messages == []


def test_a_cross_site_signup_is_refused_in_the_readers_language(smtp_sink):
    client = Client(enforce_csrf_checks=True)

    response = committed(
        lambda: client.post(
            "/fr/newsletter/", {"email": "reader@example.com"}, headers={"Origin": "https://evil.example"}
        )
    )

    assert response.status_code == 403
    assert "n’a pas été envoyé" in response.content.decode()
    assert Subscriber.objects.count() == 0
    assert smtp_sink.messages == []


def test_the_footer_form_signs_up_as_a_browser_sends_it(smtp_sink):
    client = Client(enforce_csrf_checks=True)
    assert not client.get("/").cookies  # no cookie for readers

    response = committed(
        lambda: client.post(
            "/newsletter/",
            {"email": "reader@example.com"},
            headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"},
        )
    )

    assert response.status_code == 302
    assert len(smtp_sink.messages) == 1


def test_a_flood_of_signups_from_one_address_gets_429(client, smtp_sink, settings):
    settings.NEWSLETTER_SIGNUPS_PER_IP = 3
    answers = [sign_up(client, f"reader{n}@example.com").status_code for n in range(5)]

    assert answers == [302, 302, 302, 429, 429]
    assert Subscriber.objects.count() == 3
    assert "محاولات كثيرة" in sign_up(client, "late@example.com").content.decode()


def test_behind_the_sites_proxy_the_signup_limit_and_consent_use_the_readers_address(
    client, smtp_sink, settings
):
    settings.BEHIND_PROXY = True
    settings.NEWSLETTER_SIGNUPS_PER_IP = 2

    def via_proxy(email, reader):
        # Every request reaches us from the proxy; the proxy appends the address it saw.
        return committed(
            lambda: client.post(
                "/newsletter/",
                {"email": email},
                REMOTE_ADDR="10.0.0.2",
                HTTP_X_FORWARDED_FOR=f"1.2.3.4, {reader}",
            )
        ).status_code

    flood = [via_proxy(f"flood{n}@example.com", "203.0.113.80") for n in range(3)]
    another_reader = via_proxy("other@example.com", "198.51.100.23")

    assert flood == [302, 302, 429]
    assert another_reader == 302  # the proxy's address is not everyone's
    assert Subscriber.objects.get(email="other@example.com").consent_network == "198.51.100.0/24"


def test_signups_from_neighbouring_addresses_share_their_networks_hourly_limit(client, smtp_sink):
    # The shipped limits: 20 an hour from one address, and 20 from its /24.
    answers = [
        sign_up(client, f"neighbour{n}@example.com", address=f"198.51.100.{n}").status_code
        for n in range(1, 26)
    ]

    assert answers.count(302) == 20
    assert answers[20:] == [429] * 5
    assert Subscriber.objects.count() == 20
    assert sign_up(client, "elsewhere@example.com", address="198.51.101.1").status_code == 302


def test_signups_from_every_address_of_one_ipv6_line_share_one_limit(client, smtp_sink):
    answers = [
        sign_up(client, f"line{n}@example.com", address=f"2001:db8:5:6:{n:x}::{n:x}").status_code
        for n in range(1, 41)
    ]

    assert answers.count(302) == 20
    assert Subscriber.objects.count() == 20


def test_a_signup_request_only_queues_its_recording_for_after_the_commit_whatever_the_address(
    client, smtp_sink, django_capture_on_commit_callbacks
):
    Subscriber.objects.create(email="member@example.com", status="confirmed", consent_text="x")

    with django_capture_on_commit_callbacks() as new_address:
        client.post("/newsletter/", {"email": "new@example.com"}, REMOTE_ADDR="203.0.113.77")
    with django_capture_on_commit_callbacks() as confirmed_address:
        client.post("/newsletter/", {"email": "member@example.com"}, REMOTE_ADDR="203.0.113.77")

    assert smtp_sink.messages == []  # neither request spoke to the mail server
    assert not Subscriber.objects.filter(email="new@example.com").exists()  # nor wrote a row
    assert len(new_address) == len(confirmed_address) == 1  # the same work for both
    for queue_the_task in (*new_address, *confirmed_address):
        queue_the_task()  # the commit: each task is queued (and here, run at once)
    assert [message["To"] for message in smtp_sink.messages] == ["new@example.com"]
    assert Subscriber.objects.get(email="new@example.com").consent_network == "203.0.113.0/24"


@pytest.mark.django_db(transaction=True)  # the worker reads committed rows
def test_new_waiting_and_confirmed_addresses_all_answer_before_any_mail_and_the_worker_sends(
    smtp_sink, settings
):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    Subscriber.objects.create(email="member@example.com", status="confirmed", consent_text="x")
    Subscriber.objects.create(email="waiting@example.com", status="pending", consent_text="x")
    client = Client()

    answers = [
        client.post("/newsletter/", {"email": address}, REMOTE_ADDR="203.0.113.77")
        for address in ("new@example.com", "waiting@example.com", "member@example.com")
    ]

    assert {(answer.status_code, answer["Location"]) for answer in answers} == {
        (302, "/newsletter/check-your-inbox/")
    }
    assert smtp_sink.messages == []
    queued = DBTaskResult.objects.filter(task_path__endswith="record_signup")
    assert queued.count() == 3
    assert not [task.args_kwargs for task in queued if "203.0.113.77" in str(task.args_kwargs)]

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert smtp_sink.wait_for(2)
    assert sorted(message["To"] for message in smtp_sink.messages) == [
        "new@example.com",
        "waiting@example.com",
    ]
    assert Subscriber.objects.get(email="new@example.com").status == Subscriber.Status.PENDING


def test_the_consent_is_dated_when_the_reader_sent_the_form_not_when_the_worker_ran(smtp_sink):
    from newsletter.tasks import record_signup

    sent_at = timezone.now() - timezone.timedelta(minutes=3)

    record_signup.call("late@example.com", "fr", "J’accepte.", "198.51.100.0/24", sent_at.isoformat())

    subscriber = Subscriber.objects.get()
    assert (subscriber.consent_at, subscriber.signed_up_at) == (sent_at, sent_at)
    assert (subscriber.language, subscriber.consent_network) == ("fr", "198.51.100.0/24")
    assert len(smtp_sink.messages) == 1


@pytest.fixture
def pending(db):
    return Subscriber.objects.create(email="reader@example.com", status="pending", consent_text="x")


def confirm_path(pk, stamp):
    return f"/newsletter/confirm/{signing.dumps([pk, stamp], salt=CONFIRM_SALT)}/"


def test_tampered_confirmation_link_shows_a_clear_page_with_a_way_to_ask_again(client, pending):
    good = confirm_path(pending.pk, pending.signup_stamp)
    tampered = good[:-3] + ("A/" if good[-2] != "A" else "B/")

    response = client.get(tampered)

    html = response.content.decode()
    assert response.status_code == 400
    assert "هذا الرابط لا يعمل" in html
    assert 'action="/newsletter/"' in html
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.PENDING


def test_expired_confirmation_link_says_it_expired(client, pending, settings):
    settings.NEWSLETTER_CONFIRM_DAYS = 7
    url = confirm_path(pending.pk, pending.signup_stamp)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("time.time", lambda: timezone.now().timestamp() + 8 * 86400)
        response = client.get(url)

    assert response.status_code == 400
    assert "انتهت صلاحية" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.PENDING


def test_foreign_tokens_do_not_confirm(client, pending, settings):
    other_purpose = pending.unsubscribe_token()
    other_site = signing.dumps(
        [pending.pk, pending.signup_stamp], salt=CONFIRM_SALT, key="another-site-key" * 3
    )
    old_optin = signing.dumps([pending.pk, pending.signup_stamp - 1], salt=CONFIRM_SALT)

    for token in (other_purpose, other_site, old_optin, "x", "a" * 500):
        assert client.get(f"/newsletter/confirm/{token}/").status_code == 400

    pending.refresh_from_db()
    assert pending.status == Subscriber.Status.PENDING


def test_unreachable_smtp_still_answers_the_same_page_and_lets_the_reader_retry(client, settings):
    from kawalis.tests.smtp_sink import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()

    response = sign_up(client, "reader@example.com")

    assert response.status_code == 302
    assert response["Location"] == "/newsletter/check-your-inbox/"
    subscriber = Subscriber.objects.get()
    assert subscriber.confirmation_sent_at is None  # the next try sends at once
