"""Sending what is due: digests and queued newsletters, each e-mail exactly once.

``send_due_mailings()`` is the whole job; ``manage.py send_newsletter`` and the background task
both call it, and any number of them may run at once.

This module is the claim loop. Beside it: ``newsletter.digests`` (which digest is due, what it
shows), ``newsletter.rendering`` (the messages' bytes), ``newsletter.smtp`` (the SMTP session,
which can hold a message's final line) and ``kawalis.sending_runs`` (the rate limit).
``send_test()`` mails one copy of a mailing to an editor.

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
3. **Record as uncertain, then finish.** Mark the row ``uncertain`` and COMMIT, then send the
   ``.`` and read the server's answer (``newsletter.smtp``):
   - ``250``: the server took the message; the row becomes ``sent``. Nothing else ever makes a
     row ``sent``.
   - a refusal (4xx/5xx): retry later, or failed and the address bounced.
   - the ``.`` could not be written, or the server closed or reset the connection without
     answering it (a connection dropped or cut mid-DATA): the server kept nothing; the row is
     pending again and the message is sent again, once.
   - no answer within ``EMAIL_TIMEOUT`` (a stalled or frozen server): the row stays
     ``uncertain``, with the reason in ``last_error``, and is not sent again by itself.
   After a ``421`` or a dropped connection the next message opens a new session.

The uncertain state is the one window no ordering can close: the server's acceptance and our
record are two machines' decisions. Recording ``uncertain`` before the ``.`` makes that window
visible instead of guessing: the admin's delivery list filters by it, the mailing's progress
counts it, ``manage.py send_newsletter`` reports it. What lands there, by moment:

- a sender killed before the COMMIT of step 3: the transaction is rolled back (row pending, lock
  released) and the server never got the ``.`` (message discarded): the next run sends it once.
- a sender killed **between that COMMIT and its reading of the answer**: the row says
  ``uncertain``; the server has the message if the ``.`` was written, not if the process died
  before (one database round trip and one system call). At most one row per killed sender.
- a sender killed after a ``250`` and before its next claim's COMMIT, which records that ``sent``
  (one commit a message, not two): the row says ``uncertain``, though the server has it. The
  next claim's COMMIT marks the previous row sent and the new one uncertain together, so this
  too is at most one row per killed sender, and never a message sent twice.
- a server that took the ``.`` and never answered within ``EMAIL_TIMEOUT``: ``uncertain``.

An uncertain row is never sent again by itself: a reader who misses one digest gets the next;
a reader mailed twice complains, and mailbox providers count it against us. A polite stop never
lands in the window: ``manage.py send_newsletter`` turns SIGTERM and Ctrl-C into
``should_stop``, checked between messages, so the message in hand is finished first.

Memory stays flat: recipients are listed with ``iterator()`` and ``bulk_create`` in chunks, and
messages are rendered one at a time from a small cache of per-language bodies.
"""

import contextlib
import dataclasses
import datetime
import logging
import smtplib

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation

from kawalis.sending_runs import Pacer, add_deliveries

from .digests import digest_period, queue_due_digest
from .models import Delivery, Mailing, Subscriber
from .rendering import MailingRenderer, build_message, recipient_address, render_mailing
from .return_path import return_path_for
from .smtp import (
    NotDelivered,
    PermanentFailure,
    SMTPConnection,
    TemporaryFailure,
    Unconfirmed,
    failure_from_reply,
)

logger = logging.getLogger(__name__)

RECIPIENT_CHUNK = 2000


@dataclasses.dataclass
class SendReport:
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    skipped: int = 0
    uncertain: int = 0
    stopped: bool = False

    def __str__(self):
        summary = (
            f"{self.sent} sent, {self.retry_later} to retry later, "
            f"{self.failed} failed, {self.skipped} skipped"
        )
        if self.uncertain:
            summary += f"; {self.uncertain} uncertain (the SMTP server never answered their end)"
        if self.stopped:
            summary += "; stopped on request, the next run sends the rest"
        return summary


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


def add_recipients(mailing):
    """One pending Delivery per recipient, streamed in chunks; safe to run twice or at once."""
    if mailing.recipients_added_at:
        return
    add_deliveries(
        Delivery,
        mailing.recipients().order_by("pk").values_list("pk", flat=True).iterator(RECIPIENT_CHUNK),
        lambda subscriber_id: Delivery(mailing_id=mailing.pk, subscriber_id=subscriber_id),
        RECIPIENT_CHUNK,
    )
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


DELIVERIES = Delivery._meta.db_table
SUBSCRIBERS = Subscriber._meta.db_table
MAILINGS = Mailing._meta.db_table


def _claim_next(sent_ids):
    """Lock the next due delivery (step 1 of the module docstring); its claim, or None.

    Plain SQL, as are the records below: building these statements with the ORM's compiler
    cost more than the rest of the sender's own work together (profiled in the README). On
    PostgreSQL the previous messages' ``sent`` marks (``_record_sent``) ride in the same
    statement, one round trip instead of two.
    """
    now = db_connection.ops.adapt_datetimefield_value(timezone.now())
    claim = f"""
        SELECT d.id, d.mailing_id, s.id, s.email, s.language, s.status, s.last_digest_at
        FROM {DELIVERIES} d
        JOIN {MAILINGS} m ON m.id = d.mailing_id
        JOIN {SUBSCRIBERS} s ON s.id = d.subscriber_id
        WHERE d.status = %s AND d.next_attempt_at <= %s AND m.status = %s
        ORDER BY d.next_attempt_at, d.id
        LIMIT 1"""
    params = [Delivery.Status.PENDING, now, Mailing.Status.SENDING]
    with db_connection.cursor() as cursor:
        if db_connection.vendor == "postgresql":
            claim += " FOR UPDATE OF d SKIP LOCKED"
            if sent_ids:
                claim = f"WITH sent AS (UPDATE {DELIVERIES} SET status = %s WHERE id = ANY(%s)) {claim}"
                params = [Delivery.Status.SENT, list(sent_ids), *params]
                _forget_on_commit(sent_ids)
        else:
            _record_sent(sent_ids)
        cursor.execute(claim, params)
        row = cursor.fetchone()
    if row is None:
        return None
    delivery_id, mailing_id, subscriber_id, email, language, status, last_digest_at = row
    if last_digest_at is not None and timezone.is_naive(last_digest_at):
        last_digest_at = timezone.make_aware(last_digest_at, datetime.timezone.utc)  # SQLite keeps UTC
    subscriber = Subscriber(
        pk=subscriber_id, email=email, language=language, status=status, last_digest_at=last_digest_at
    )
    return delivery_id, mailing_id, subscriber


def _record_sent(sent_ids):
    """Mark as sent the deliveries whose final "." the server answered with 250.

    Called inside the next message's claim transaction, so a message costs one COMMIT, not two
    (the commit, with the disk's flush, was most of a message's time on SQLite). The list is
    emptied only once that transaction commits; a rollback leaves the marks to the next one.
    """
    if not sent_ids:
        return
    placeholders = ", ".join(["%s"] * len(sent_ids))
    with db_connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {DELIVERIES} SET status = %s WHERE id IN ({placeholders})",
            [Delivery.Status.SENT, *sent_ids],
        )
    _forget_on_commit(sent_ids)


def _forget_on_commit(sent_ids):
    if db_connection.in_atomic_block:
        transaction.on_commit(sent_ids.clear)
    else:
        sent_ids.clear()


def _record_uncertain(delivery_id, mailing, subscriber):
    """Step 3's record: the delivery uncertain and, for a digest, the reader's digest moved on."""
    now = db_connection.ops.adapt_datetimefield_value(timezone.now())
    record = f"""
        UPDATE {DELIVERIES} SET status = %s, sent_at = %s, attempts = attempts + 1, last_error = ''
        WHERE id = %s"""
    params = [Delivery.Status.UNCERTAIN, now, delivery_id]
    digest = mailing.kind == Mailing.Kind.DIGEST
    covers_until = db_connection.ops.adapt_datetimefield_value(mailing.covers_until)
    move_on = f"UPDATE {SUBSCRIBERS} SET last_digest_at = %s WHERE id = %s"
    with db_connection.cursor() as cursor:
        if digest and db_connection.vendor == "postgresql":
            # One round trip for both.
            cursor.execute(f"WITH digest AS ({move_on}) {record}", [covers_until, subscriber.pk, *params])
            return
        cursor.execute(record, params)
        if digest:
            cursor.execute(move_on, [covers_until, subscriber.pk])


def _send_next(connection, renderer, mailings, sent_ids):
    """Claim, send and record one delivery (see the module docstring); its outcome or None.

    A delivery the server accepted is added to ``sent_ids`` and recorded as sent with the next
    claim (``_record_sent``), never before the server's 250. ``mailings`` keeps the mailings
    met so far by id (the claim checks each one is still being sent).
    """
    with transaction.atomic():
        claim = _claim_next(sent_ids)
        if claim is None:
            return None
        delivery_id, mailing_id, subscriber = claim
        if mailing_id not in mailings:
            mailings[mailing_id] = Mailing.objects.get(pk=mailing_id)
        mailing = mailings[mailing_id]
        if subscriber.status != Subscriber.Status.CONFIRMED:
            # Left or bounced after the recipients were listed: leaving is instant.
            Delivery.objects.filter(pk=delivery_id).update(
                status=Delivery.Status.SKIPPED, last_error=f"subscriber {subscriber.status}"
            )
            return "skipped"
        message = renderer.message_for(mailing, subscriber)
        if message is None:
            Delivery.objects.filter(pk=delivery_id).update(
                status=Delivery.Status.SKIPPED, last_error="no articles"
            )
            Subscriber.objects.filter(pk=subscriber.pk).update(last_digest_at=mailing.covers_until)
            return "skipped"
        recipient = recipient_address(subscriber.email)
        data = message.fill(subscriber, recipient)
        try:
            connection.open()
            # Its own return path: a bounce that comes back later names this delivery.
            connection.transmit(return_path_for(delivery_id), recipient, data)
        except PermanentFailure as error:
            return _retry_or_fail(delivery_id, error, True, subscriber.pk)
        except (TemporaryFailure, smtplib.SMTPException, OSError) as error:
            if not isinstance(error, TemporaryFailure):
                connection.drop()  # a broken session: the next message reconnects
            return _retry_or_fail(delivery_id, error, False, subscriber.pk)
        # Recorded before the server may accept: see "Record as uncertain" above.
        _record_uncertain(delivery_id, mailing, subscriber)
    try:
        code, response = connection.finish()
    except Unconfirmed as error:
        logger.warning("No answer to the end of delivery %s; left uncertain, not sent again", delivery_id)
        Delivery.objects.filter(pk=delivery_id).update(last_error=str(error)[:1000])
        return "uncertain"
    except NotDelivered as error:
        code, response, failure = None, None, error
    else:
        failure = None
    if code == 250:
        sent_ids.append(delivery_id)
        return "sent"
    with transaction.atomic():
        # Not taken: as before the attempt, then counted as one refused attempt.
        Delivery.objects.filter(pk=delivery_id).update(attempts=F("attempts") - 1, sent_at=None)
        if mailing.kind == Mailing.Kind.DIGEST:
            Subscriber.objects.filter(pk=subscriber.pk).update(last_digest_at=subscriber.last_digest_at)
        if failure is None:
            failure = failure_from_reply(code, response)
        permanent = code is not None and 500 <= code < 600
        return _retry_or_fail(delivery_id, failure, permanent, subscriber.pk)


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


@contextlib.contextmanager
def _commits_without_disk_wait():
    """``NEWSLETTER_SYNCHRONOUS_COMMIT=0``: the sender's commits do not wait for the disk.

    Each record is still committed before its message's final "." (a killed sender repeats
    nothing: the database server, or on SQLite the operating system, holds the commit); only
    the wait for the disk's flush is skipped, so a crash of the machine itself could forget the
    last records. PostgreSQL: ``synchronous_commit`` off. SQLite: ``synchronous=NORMAL``, only
    on a database in WAL mode, where a commit that skips the flush is still never half-written
    (in the default rollback-journal mode it could corrupt the file on a power cut, so nothing
    changes there). Set for the sender's connection and put back after, so other work on it is
    unaffected.
    """
    if settings.NEWSLETTER_SYNCHRONOUS_COMMIT:
        yield
        return
    with db_connection.cursor() as cursor:
        if db_connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO OFF")
            restore = "RESET synchronous_commit"
        elif db_connection.vendor == "sqlite" and _sqlite_pragma(cursor, "journal_mode") == "wal":
            restore = f"PRAGMA synchronous = {int(_sqlite_pragma(cursor, 'synchronous'))}"
            cursor.execute("PRAGMA synchronous = NORMAL")
        else:
            restore = None
    try:
        yield
    finally:
        if restore:
            with db_connection.cursor() as cursor:
                cursor.execute(restore)


def _sqlite_pragma(cursor, name):
    cursor.execute(f"PRAGMA {name}")
    return cursor.fetchone()[0]


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
    mailings = {}
    sent_ids = []
    done = 0
    with _commits_without_disk_wait():
        try:
            while True:
                pacer.wait()
                if should_stop is not None and should_stop():
                    report.stopped = True
                    break
                outcome = _send_next(connection, renderer, mailings, sent_ids)
                if outcome is None:
                    break
                setattr(report, outcome, getattr(report, outcome) + 1)
                done += 1
                if progress:
                    progress(done, max(total, done))
        finally:
            # Also on the way out of an error: what the server accepted is recorded as sent.
            _record_sent(sent_ids)
            connection.close()
    finish_mailings()
    return report
