"""Sending what is due: digests and queued newsletters, each e-mail exactly once.

``send_due_mailings()`` is the whole job; ``manage.py send_newsletter`` and the background task
both call it, and any number of them may run at once.

How a message is sent (``_send_next``), and why:

1. **Claim.** In a transaction, lock one due ``Delivery`` row with
   ``SELECT ... FOR UPDATE SKIP LOCKED``. Other senders skip locked rows instead of waiting, so
   two senders never hold the same row, and nobody blocks. The claim is the lock itself, not a
   status written to the row: if the sender dies, PostgreSQL ends its transaction and the row
   is simply free again, with nothing stale to clean up and no lease to wait out. (Claiming one
   row at a time costs one indexed query per message; the record must be committed per message
   anyway, see 3, so a larger batch would save no commit.)
2. **Transmit, but hold the last line.** ``MAIL FROM``, ``RCPT TO``, ``DATA`` and the whole
   message go to the SMTP server, except the final ``.`` line that ends the data. Until the
   server reads that line it has accepted nothing; if the connection drops (our process killed,
   for instance), it discards what it got.
3. **Record, then finish.** Mark the row ``sent`` and COMMIT, then send the ``.`` and read the
   server's answer. A refusal at that point (4xx/5xx) updates the row again (retry later, or
   failed and the address bounced).

What a SIGKILL can do, by moment:

- before the COMMIT of step 3: the transaction is rolled back (row pending, lock released) and
  the server never got the final ``.`` (message discarded): the next run sends it once. Nothing
  lost, nothing doubled.
- after the ``.`` was written: the row says sent and the server has the message. Correct.
- **in the instant between the COMMIT and writing the ``.``** (see below): the row
  says ``sent`` but the server discarded the unfinished message. That one e-mail is **lost, never
  duplicated**: at most one message per killed sender. We chose this side of the window on
  purpose: a reader who misses one digest gets the next; a reader mailed twice complains, and
  mailbox providers count it against us.
- the same holds if the connection breaks after the ``.`` but before the answer: the server may
  have accepted, the row says sent, nothing is re-sent.

The window opens when PostgreSQL has the COMMIT (a sender killed while waiting for its answer is
inside it) and closes when the ``.`` is written: one database round trip and one system call.
A polite stop never lands in it: ``manage.py send_newsletter`` turns SIGTERM and Ctrl-C into
``should_stop``, checked between messages, so the message in hand is finished first.

Memory stays flat: recipients are listed with ``iterator()`` and ``bulk_create`` in chunks, and
messages are rendered one at a time from a small cache of per-language bodies.
"""

import contextlib
import dataclasses
import logging
import re
import smtplib
import socket
import time
from email.utils import formatdate, make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import DNS_NAME, sanitize_address
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import linebreaks
from django.utils.safestring import mark_safe

from articles.arabic import newsroom_date
from articles.models import Article

from .models import Delivery, Mailing, Subscriber, absolute_url
from .return_path import return_path_for

logger = logging.getLogger(__name__)

RECIPIENT_CHUNK = 2000
DIGEST_MAX_ARTICLES = 30
# Stands in for each reader's own link in a body rendered once per language.
UNSUBSCRIBE_PLACEHOLDER = "https://unsubscribe.invalid/__subscriber__/"


class SendingError(Exception):
    """The run cannot go on (SMTP server unreachable, login refused); nothing was marked sent."""


class TemporaryFailure(Exception):
    """4xx or a dropped connection: try this e-mail again later."""


class PermanentFailure(Exception):
    """5xx: the server will never take this e-mail; the address bounces."""


def _failure(code, response):
    text = f"{code} {response.decode(errors='replace') if isinstance(response, bytes) else response}"
    return PermanentFailure(text) if 500 <= code < 600 else TemporaryFailure(text)


@dataclasses.dataclass
class SendReport:
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    skipped: int = 0
    stopped: bool = False

    def __str__(self):
        summary = (
            f"{self.sent} sent, {self.retry_later} to retry later, "
            f"{self.failed} failed, {self.skipped} skipped"
        )
        if self.stopped:
            summary += "; stopped on request, the next run sends the rest"
        return summary


class Pacer:
    """At most ``per_second`` messages a second (0: no limit); clock and sleep are injectable."""

    def __init__(self, per_second, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / per_second if per_second and per_second > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self.next_slot = None

    def wait(self):
        if not self.interval:
            return
        now = self.clock()
        if self.next_slot is not None and now < self.next_slot:
            self.sleep(self.next_slot - now)
            now = self.next_slot
        self.next_slot = now + self.interval


class SMTPConnection:
    """One SMTP session that can stop a message just before its final ``.`` (see the module)."""

    def __init__(self):
        self.smtp = None

    def open(self):
        if self.smtp is not None:
            return
        kind = smtplib.SMTP_SSL if settings.EMAIL_USE_SSL else smtplib.SMTP
        timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 30
        try:
            smtp = kind(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout)
            # The final "." goes out as its own small write after the message (see above);
            # without TCP_NODELAY, Nagle's algorithm holds it until the server's delayed ACK.
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            smtp.ehlo_or_helo_if_needed()
            if settings.EMAIL_USE_TLS:
                smtp.starttls()
                smtp.ehlo()
            if settings.EMAIL_HOST_USER:
                smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        except (smtplib.SMTPException, OSError) as error:
            raise SendingError(
                f"cannot reach the SMTP server {settings.EMAIL_HOST}:{settings.EMAIL_PORT}: {error}"
            ) from error
        self.smtp = smtp

    def close(self):
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()
        self.smtp = None

    def drop(self):
        """Forget a broken session; the next message reconnects."""
        if self.smtp is not None:
            with contextlib.suppress(OSError):
                self.smtp.close()
        self.smtp = None

    def transmit(self, sender, recipient, data):
        """Everything up to (not including) the final ``.``. Raises Temporary/PermanentFailure."""
        smtp = self.smtp
        if smtp.has_extn("pipelining"):
            # RFC 2920: MAIL, RCPT and DATA in one write, their three answers read after;
            # one round trip instead of three, which is most of the time a message takes.
            smtp.send(f"MAIL FROM:<{sender}>\r\nRCPT TO:<{recipient}>\r\nDATA\r\n".encode())
            replies = [smtp.getreply() for _command in range(3)]
            (mail_code, _), (rcpt_code, _), (data_code, _) = replies
            if data_code == 354 and (mail_code != 250 or rcpt_code not in (250, 251)):
                # A server that opened DATA for nobody: close it empty, it delivers nothing.
                smtp.send(b".\r\n")
                smtp.getreply()
            for code, response in replies[:2]:
                if code not in (250, 251):
                    self._reset()
                    raise _failure(code, response)
            code, response = replies[2]
        else:
            code, response = smtp.mail(sender)
            if code != 250:
                self._reset()
                raise _failure(code, response)
            code, response = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._reset()
                raise _failure(code, response)
            code, response = smtp.docmd("DATA")
        if code != 354:
            self._reset()
            raise _failure(code, response)
        # Dot-stuffing (RFC 5321 4.5.2): a line starting with "." gets a second one.
        data = re.sub(rb"(?m)^\.", b"..", data)
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        smtp.send(data)

    def finish(self):
        """Send the final ``.``; the server's answer as ``(code, response)``."""
        self.smtp.send(b".\r\n")
        return self.smtp.getreply()

    def _reset(self):
        try:
            self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.drop()


@dataclasses.dataclass
class RenderedBody:
    subject: str
    text: str
    html: str


class MailingRenderer:
    """Renders each mailing once per (language, article selection), then fills in the reader."""

    def __init__(self, cache_size=64):
        self.cache = {}
        self.cache_size = cache_size

    def message_for(self, mailing, subscriber):
        """The message for this subscriber (a ``MessageTemplate``, built once per body: call
        ``fill(subscriber)`` for the bytes), or None when a digest has nothing for them."""
        language = subscriber.language
        if mailing.kind == Mailing.Kind.DIGEST:
            since = subscriber.last_digest_at or (mailing.covers_until - digest_period())
            key = (mailing.pk, language, since)
        else:
            since = None
            key = (mailing.pk, language)
        if key not in self.cache:
            if len(self.cache) >= self.cache_size:
                self.cache.pop(next(iter(self.cache)))
            body = render_mailing(mailing, language, since)
            self.cache[key] = MessageTemplate(body) if body is not None else None
        return self.cache[key]


def digest_period():
    return timezone.timedelta(days=7 if settings.NEWSLETTER_DIGEST == "weekly" else 1)


def articles_for(mailing, language, since=None):
    """The articles a mailing shows a reader of ``language``.

    Digests leave out articles with no translation in the reader's language (a French reader
    is not sent Arabic he did not ask for); a newsletter shows the editor's chosen articles,
    an untranslated one in its Arabic original.
    """
    if mailing.kind == Mailing.Kind.DIGEST:
        articles = (
            Article.objects.published()
            .in_language(language)
            .filter(published_at__gt=since, published_at__lte=mailing.covers_until)
            .order_by("-published_at", "-id")
        )[:DIGEST_MAX_ARTICLES]
    else:
        articles = mailing.articles.published().order_by("-published_at", "-id")
    return list(articles.select_related("category"))


def render_mailing(mailing, language, since=None, unsubscribe_url=UNSUBSCRIBE_PLACEHOLDER):
    """Subject, text and HTML of ``mailing`` for one language (None: an empty digest)."""
    with translation.override(language):
        articles = articles_for(mailing, language, since)
        if mailing.kind == Mailing.Kind.DIGEST and not articles:
            return None
        items = [
            {
                "title": article.title,
                "summary": article.summary,
                "url": absolute_url(article.get_absolute_url()),
                "image_url": absolute_url(article.image.url) if article.image else "",
                "image_alt": article.image_description or article.title,
                "category": article.category.name,
                "date": newsroom_date(article.published_at, language, with_time=False),
                "fallback": not article.has_language(language),
            }
            for article in articles
        ]
        context = {
            "mailing": mailing,
            "is_digest": mailing.kind == Mailing.Kind.DIGEST,
            # linebreaks() escapes the editor's plain text itself before adding <p> and <br>.
            "intro_html": mark_safe(linebreaks(mailing.intro, autoescape=True)),
            "intro_text": mailing.intro,
            "items": items,
            "unsubscribe_url": unsubscribe_url,
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
            "LANGUAGE_CODE": language,
            "LANGUAGE_DIR": "rtl" if translation.get_language_bidi() else "ltr",
            "ARABIC_DIR": "rtl",
        }
        if mailing.kind == Mailing.Kind.DIGEST:
            context["date"] = newsroom_date(mailing.covers_until, language, with_time=False)
            subject = render_to_string("newsletter/email/digest_subject.txt", context)
        else:
            subject = mailing.subject
        context["subject"] = " ".join(subject.split())
        return RenderedBody(
            subject=context["subject"],
            text=render_to_string("newsletter/email/mailing.txt", context),
            html=render_to_string("newsletter/email/mailing.html", context),
        )


def envelope_sender():
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def build_message(
    subscriber, body, subject_prefix="", *, to=None, page_url=None, one_click_url=None, headers=()
):
    """The full e-mail for one subscriber (an ``EmailMultiAlternatives``).

    ``to``, ``page_url`` and ``one_click_url`` replace the subscriber's own values (for
    ``MessageTemplate``'s stand-ins); ``headers`` are added.
    """
    page_url = page_url or subscriber.unsubscribe_url()
    one_click_url = one_click_url or subscriber.one_click_unsubscribe_url()
    message = EmailMultiAlternatives(
        subject=f"{subject_prefix}{body.subject}",
        body=body.text.replace(UNSUBSCRIBE_PLACEHOLDER, page_url),
        to=[to or sanitize_address(subscriber.email, "utf-8")],
        headers={
            # RFC 2369 and RFC 8058: mailbox providers show an "unsubscribe" button that POSTs here.
            "List-Unsubscribe": f"<{one_click_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"<newsletter.{settings.SITE_URL.split('://', 1)[-1].split('/')[0].split(':')[0]}>",
            **dict(headers),
        },
    )
    message.attach_alternative(body.html.replace(UNSUBSCRIBE_PLACEHOLDER, page_url), "text/html")
    return message


class MessageTemplate:
    """One body's MIME message, serialised once, with stand-ins where each reader differs.

    Building and serialising the MIME message was 3 of the 12 ms a message cost the sender.
    The reader's own parts are few and plain ASCII in the serialised bytes: the To address,
    the unsubscribe links (header and both bodies), the Message-ID and the Date. The message is
    built once with stand-ins for them, each checked to appear exactly where expected and the
    parts checked to be sent as they are (not quoted-printable or base64, which a body with a
    line past 998 characters needs), and each reader's bytes are the template with their
    values put in. If a check fails, every message of that body is built
    in full instead: slower, never wrong.
    """

    TO = "reader@placeholder.invalid"
    ONE_CLICK = "https://one-click.invalid/reader/"
    DATE = "Kawalis-Date-Placeholder"
    MESSAGE_ID = "<kawalis-message-id@placeholder.invalid>"

    def __init__(self, body):
        self.body = body
        stand_in = build_message(
            None,
            body,
            to=self.TO,
            page_url=UNSUBSCRIBE_PLACEHOLDER,
            one_click_url=self.ONE_CLICK,
            headers={"Date": self.DATE, "Message-ID": self.MESSAGE_ID},
        )
        data = stand_in.message().as_bytes(linesep="\r\n")
        expected = {self.TO: 1, self.ONE_CLICK: 1, self.DATE: 1, self.MESSAGE_ID: 1}
        found = {value: data.count(value.encode()) for value in expected}
        pages = data.count(UNSUBSCRIBE_PLACEHOLDER.encode())
        # Only 8-bit or 7-bit parts: in a quoted-printable or base64 part a longer value put in
        # afterwards would break the encoding's own rules (76-character lines).
        encoded = (
            b"Content-Transfer-Encoding: quoted-printable" in data
            or b"Content-Transfer-Encoding: base64" in data
        )
        self.data = data if found == expected and pages >= 2 and not encoded else None

    def fill(self, subscriber):
        if self.data is None:
            return build_message(subscriber, self.body).message().as_bytes(linesep="\r\n")
        return (
            self.data.replace(self.TO.encode(), sanitize_address(subscriber.email, "utf-8").encode(), 1)
            .replace(self.ONE_CLICK.encode(), subscriber.one_click_unsubscribe_url().encode(), 1)
            .replace(self.DATE.encode(), formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode(), 1)
            .replace(self.MESSAGE_ID.encode(), make_msgid(domain=DNS_NAME).encode(), 1)
            .replace(UNSUBSCRIBE_PLACEHOLDER.encode(), subscriber.unsubscribe_url().encode())
        )


def send_test(mailing, address, language=None):
    """Send ``mailing`` to one address (the editor's) as a reader of ``language`` would get it."""
    language = language or mailing.language
    reader = Subscriber(pk=0, email=address, language=language, status=Subscriber.Status.CONFIRMED)
    since = mailing.covers_until - digest_period() if mailing.kind == Mailing.Kind.DIGEST else None
    body = render_mailing(mailing, language, since)
    if body is None:
        return False
    with translation.override(language):
        prefix = "[" + translation.gettext("Test") + "] "
    build_message(reader, body, subject_prefix=prefix).send()
    return True


def queue_due_digest(now=None):
    """Create the current period's digest when it is due; None if not due or already made."""
    if settings.NEWSLETTER_DIGEST == "off":
        return None
    now = now or timezone.now()
    local = timezone.localtime(now)
    if settings.NEWSLETTER_DIGEST == "weekly":
        if local.weekday() == 0 and local.hour < settings.NEWSLETTER_DIGEST_HOUR:
            return None
        year, week, _day = local.isocalendar()
        key = f"{year}-W{week:02d}"
    else:
        if local.hour < settings.NEWSLETTER_DIGEST_HOUR:
            return None
        key = f"{local:%Y-%m-%d}"
    if Mailing.objects.filter(digest_key=key).exists():
        return None
    previous = Mailing.objects.filter(kind=Mailing.Kind.DIGEST).order_by("-covers_until").first()
    since = previous.covers_until if previous else now - digest_period()
    if not Article.objects.published().filter(published_at__gt=since, published_at__lte=now).exists():
        return None  # nothing new: no digest this period (checked again at the next run)
    try:
        with transaction.atomic():
            return Mailing.objects.create(
                kind=Mailing.Kind.DIGEST,
                status=Mailing.Status.SENDING,
                digest_key=key,
                covers_until=now,
                queued_at=now,
            )
    except IntegrityError:
        return None  # another sender made it a moment ago


def add_recipients(mailing):
    """One pending Delivery per recipient, streamed in chunks; safe to run twice or at once."""
    if mailing.recipients_added_at:
        return
    chunk = []
    for subscriber_id in (
        mailing.recipients().order_by("pk").values_list("pk", flat=True).iterator(RECIPIENT_CHUNK)
    ):
        chunk.append(Delivery(mailing_id=mailing.pk, subscriber_id=subscriber_id))
        if len(chunk) >= RECIPIENT_CHUNK:
            Delivery.objects.bulk_create(chunk, ignore_conflicts=True)
            chunk = []
    if chunk:
        Delivery.objects.bulk_create(chunk, ignore_conflicts=True)
    if db_connection.vendor == "postgresql":
        # Thousands of new rows at once: without fresh statistics the planner may sort every
        # pending row for each claim (0.4 s instead of 0.1 ms per message, measured).
        with db_connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {db_connection.ops.quote_name(Delivery._meta.db_table)}")
    Mailing.objects.filter(pk=mailing.pk, recipients_added_at__isnull=True).update(
        recipients_added_at=timezone.now()
    )


def _retry_or_fail(delivery_id, error, permanent, subscriber_id):
    """Record a refused attempt: back off and retry, or give up (and bounce on a 5xx)."""
    delivery = Delivery.objects.get(pk=delivery_id)
    attempts = delivery.attempts + 1
    if permanent or attempts >= settings.NEWSLETTER_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery_id).update(
            status=Delivery.Status.FAILED, attempts=attempts, last_error=str(error)[:1000]
        )
        if permanent:
            Subscriber.objects.get(pk=subscriber_id).mark_bounced()
        return "failed"
    delay = settings.NEWSLETTER_RETRY_SECONDS * 2 ** (attempts - 1)
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.PENDING,
        attempts=attempts,
        last_error=str(error)[:1000],
        next_attempt_at=timezone.now() + timezone.timedelta(seconds=delay),
    )
    return "retry_later"


def _claim_next():
    return (
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("subscriber", "mailing")
        .filter(
            status=Delivery.Status.PENDING,
            next_attempt_at__lte=timezone.now(),
            mailing__status=Mailing.Status.SENDING,
        )
        .order_by("next_attempt_at", "id")
        .first()
    )


def _send_next(connection, renderer):
    """Claim, send and record one delivery (see the module docstring); its outcome or None."""
    with transaction.atomic():
        delivery = _claim_next()
        if delivery is None:
            return None
        subscriber, mailing = delivery.subscriber, delivery.mailing
        if subscriber.status != Subscriber.Status.CONFIRMED:
            # Left or bounced after the recipients were listed: leaving is instant.
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.SKIPPED, last_error=f"subscriber {subscriber.status}"
            )
            return "skipped"
        message = renderer.message_for(mailing, subscriber)
        if message is None:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.SKIPPED, last_error="no articles"
            )
            Subscriber.objects.filter(pk=subscriber.pk).update(last_digest_at=mailing.covers_until)
            return "skipped"
        data = message.fill(subscriber)
        try:
            connection.open()
            # Its own return path: a bounce that comes back later names this delivery.
            connection.transmit(
                return_path_for(delivery.pk), sanitize_address(subscriber.email, "utf-8"), data
            )
        except PermanentFailure as error:
            return _retry_or_fail(delivery.pk, error, True, subscriber.pk)
        except (TemporaryFailure, smtplib.SMTPException, OSError) as error:
            if not isinstance(error, TemporaryFailure):
                connection.drop()  # a broken session: the next message reconnects
            return _retry_or_fail(delivery.pk, error, False, subscriber.pk)
        # Recorded before the server may accept: see "What a SIGKILL can do" above.
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), attempts=F("attempts") + 1
        )
        previous_digest_at = subscriber.last_digest_at
        if mailing.kind == Mailing.Kind.DIGEST:
            Subscriber.objects.filter(pk=subscriber.pk).update(last_digest_at=mailing.covers_until)
    try:
        code, response = connection.finish()
    except (smtplib.SMTPException, OSError) as error:
        # The server may or may not have kept it; the row says sent, so it is not sent twice.
        logger.warning(
            "Connection lost after the end of delivery %s; not sending it again: %s", delivery.pk, error
        )
        connection.drop()
        return "sent"
    if code == 250:
        return "sent"
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") - 1, sent_at=None)
        if mailing.kind == Mailing.Kind.DIGEST:
            Subscriber.objects.filter(pk=subscriber.pk).update(last_digest_at=previous_digest_at)
        return _retry_or_fail(delivery.pk, _failure(code, response), 500 <= code < 600, subscriber.pk)


def pending_count():
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING,
        next_attempt_at__lte=timezone.now(),
        mailing__status=Mailing.Status.SENDING,
    ).count()


def finish_mailings():
    """Mark as done the mailings with no delivery left to try."""
    for mailing in Mailing.objects.in_progress().filter(recipients_added_at__isnull=False):
        if not mailing.deliveries.filter(status=Delivery.Status.PENDING).exists():
            Mailing.objects.filter(pk=mailing.pk, status=Mailing.Status.SENDING).update(
                status=Mailing.Status.DONE, finished_at=timezone.now()
            )


def send_due_mailings(progress=None, per_second=None, pacer=None, should_stop=None):
    """Queue the digest if due, list recipients, and send every due e-mail; a SendReport.

    ``progress(done, total)`` is called after each message (the command draws its bar with it).
    ``should_stop()`` is asked before each message: a true answer ends the run between two
    messages, never inside one (the command sets it on SIGTERM or Ctrl-C), so a polite stop
    loses nothing; the rest stays pending for the next run.
    Raises SendingError when the SMTP server cannot be reached at all.
    """
    queue_due_digest()
    for mailing in Mailing.objects.in_progress().filter(recipients_added_at__isnull=True):
        add_recipients(mailing)
    report = SendReport()
    total = pending_count()
    pacer = pacer or Pacer(settings.NEWSLETTER_MAX_PER_SECOND if per_second is None else per_second)
    connection = SMTPConnection()
    renderer = MailingRenderer()
    done = 0
    relaxed = not settings.NEWSLETTER_SYNCHRONOUS_COMMIT and db_connection.vendor == "postgresql"
    if relaxed:
        # Each record is still committed before its message's final "." (a killed sender
        # repeats nothing: the database server holds the commit); only the wait for the disk
        # is skipped. Set for the session, reset below, so other work on it is unaffected.
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        while True:
            pacer.wait()
            if should_stop is not None and should_stop():
                report.stopped = True
                break
            outcome = _send_next(connection, renderer)
            if outcome is None:
                break
            setattr(report, outcome, getattr(report, outcome) + 1)
            done += 1
            if progress:
                progress(done, max(total, done))
    finally:
        connection.close()
        if relaxed:
            with db_connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
    finish_mailings()
    return report
