"""What a bounce or a complaint does to the list, and reading them from the bounce mailbox.

The SMTP server we hand a newsletter to accepts nearly everything; the mailbox that does not
exist, the one that is full and the reader who presses "spam" are reported later, by e-mail,
to the message's return path (``newsletter/return_path.py``). ``read_bounces(sources)`` reads
those reports (``newsletter/reports.py``) from a Maildir or an IMAP mailbox
(``newsletter/bounce_mailboxes.py``) and applies each with ``record_report(raw)``:

- a hard bounce (``Action: failed``, ``Status: 5.x.x``) or a complaint stops all mail to the
  address at once (status bounced or complained, with the time and the report's reason);
- a soft bounce (``Status: 4.x.x``, or ``Action: delayed``) is counted; once
  ``NEWSLETTER_SOFT_BOUNCE_LIMIT`` mailings bounced softly within
  ``NEWSLETTER_SOFT_BOUNCE_DAYS``, mail stops too. A delivery report (``Action: delivered``)
  starts the count again, and so does a new signup;
- each report is kept (``BounceReport``) with its own Message-ID, so one read twice, by a rerun
  or by two readers at once, counts once.

Who a report is about comes first from the tokens we signed: the return path's (it names the
delivery), then the returned message's one-click unsubscribe link (it names the subscriber).
A report that shows one of our return paths or links with a token we did not sign is not
believed: it is someone trying to bounce another reader off the list. A report with neither
(an old message, a provider that strips the original) is matched by the addresses it names
(``Final-Recipient``, ``Original-Recipient``, ``Original-Rcpt-To``).
"""

import dataclasses
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import Resolver404, resolve
from django.utils import timezone

from .models import BounceReport, Delivery, InvalidToken, Subscriber, normalize_email
from .reports import SEVERITY, UnusableReport, parse_report
from .return_path import delivery_id_from_token

logger = logging.getLogger(__name__)

Kind = BounceReport.Kind
UNMATCHED = "unmatched"
SKIPPED = "skipped"
ALREADY_READ = "already_read"


class ForgedReport(UnusableReport):
    """A report showing a token of ours that we did not sign."""


@dataclasses.dataclass
class ReadReport:
    """What a run of ``read_bounces`` did, by outcome (one per address a report is about)."""

    hard: int = 0
    soft: int = 0
    complaint: int = 0
    delivered: int = 0
    unmatched: int = 0
    skipped: int = 0
    already_read: int = 0

    def add(self, outcomes):
        for outcome in outcomes:
            setattr(self, outcome, getattr(self, outcome) + 1)

    def add_report(self, other):
        for field in dataclasses.fields(self):
            setattr(self, field.name, getattr(self, field.name) + getattr(other, field.name))

    @property
    def total(self):
        return sum(getattr(self, field.name) for field in dataclasses.fields(self))

    def __str__(self):
        return (
            f"{self.hard} hard bounces, {self.soft} soft bounces, {self.complaint} complaints, "
            f"{self.delivered} delivered, {self.unmatched} unmatched, {self.skipped} skipped, "
            f"{self.already_read} already read"
        )


def read_bounces(sources, tally=None):
    """Apply every new report of each mailbox source, marking each message done; a ReadReport.

    A message is marked done (moved, flagged) only after its effects are committed: a run
    killed in between reads it again next time, and its recorded Message-ID keeps it from
    counting twice. A database error stops the run with the message left unread. ``tally``
    (a ReadReport, counted into as the run goes) still tells what was done when a
    ``MailboxError`` ends the run halfway.
    """
    tally = tally if tally is not None else ReadReport()
    for source in sources:
        with source:
            for key, raw in source.messages():
                outcomes = record_report(raw)
                tally.add(outcomes)
                source.done(key, usable=SKIPPED not in outcomes)
    return tally


def record_report(raw):
    """Read one message of the bounce mailbox and apply it.

    Returns one outcome per address the report is about: a ``BounceReport.Kind`` value,
    ``"unmatched"`` (no subscriber has it), or for the whole message ``"skipped"`` (not a report
    we can use; the reason is logged) or ``"already_read"``.
    """
    try:
        report = parse_report(raw)
        targets = _targets(report)
    except UnusableReport as error:
        logger.warning("Bounce mailbox: skipped a message: %s", error.reason)
        return [SKIPPED]
    try:
        with transaction.atomic():
            if BounceReport.objects.filter(report_id=report.report_id).exists():
                return [ALREADY_READ]
            return [_apply(report, *target) for target in targets]
    except IntegrityError:
        # Another reader recorded the same report a moment ago: the unique constraint decides.
        return [ALREADY_READ]


def _targets(report):
    """``[(subscriber or None, delivery or None, notice)]``: who the report is about."""
    delivery = _delivery_named_by_return_path(report)
    if delivery is not None:
        return [(delivery.subscriber, delivery, report.most_severe())]
    subscriber = _subscriber_named_by_unsubscribe_link(report)
    if subscriber is not None:
        return [(subscriber, None, report.most_severe())]
    targets = {}
    for notice in report.notices:
        subscriber = next(
            (found for found in map(_subscriber_with_address, notice.addresses) if found is not None), None
        )
        key = subscriber.pk if subscriber else (UNMATCHED, notice.addresses)
        # A report with several blocks about one reader: the most severe counts.
        if key not in targets or SEVERITY[notice.kind] > SEVERITY[targets[key][2].kind]:
            targets[key] = (subscriber, None, notice)
    return list(targets.values())


def _delivery_named_by_return_path(report):
    """The delivery the report's return path names, or None; ForgedReport if it is not ours."""
    signed = False
    for token in report.return_path_tokens:
        try:
            delivery_id = delivery_id_from_token(token)
        except signing.BadSignature:
            continue
        signed = True
        delivery = Delivery.objects.select_related("subscriber").filter(pk=delivery_id).first()
        if delivery is not None:
            return delivery
    if report.return_path_tokens and not signed:
        raise ForgedReport("its return address carries a token this site did not sign")
    # No token, or one of ours for a delivery that is gone (its mailing was deleted).
    return None


def _subscriber_named_by_unsubscribe_link(report):
    tokens = []
    for url in report.unsubscribe_urls:
        try:
            match = resolve(urlsplit(url).path)
        except Resolver404:
            continue
        if match.url_name == "newsletter_one_click":
            tokens.append(match.kwargs["token"])
    for token in tokens:
        try:
            return Subscriber.objects.from_unsubscribe_token(token)
        except InvalidToken:
            continue
    if tokens:
        raise ForgedReport("the returned message's unsubscribe link carries a token this site did not sign")
    return None


def _subscriber_with_address(address):
    return Subscriber.objects.filter(email=normalize_email(address)).first()


def _apply(report, subscriber, delivery, notice):
    if subscriber is None:
        logger.info("Bounce mailbox: a %s report names no subscriber", notice.kind)
        return UNMATCHED
    # One report at a time per subscriber: two readers counting soft bounces at once would
    # otherwise both see the count below the limit.
    subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    BounceReport.objects.create(
        report_id=report.report_id,
        subscriber=subscriber,
        delivery=delivery,
        kind=notice.kind,
        status=notice.status,
        reason=notice.reason,
        reported_at=report.reported_at,
    )
    if notice.kind == Kind.HARD:
        subscriber.mark_bounced(notice.reason)
    elif notice.kind == Kind.COMPLAINT:
        subscriber.mark_complained(notice.reason)
    elif notice.kind == Kind.SOFT:
        _count_soft_bounce(subscriber, report, notice)
    else:
        Subscriber.objects.filter(pk=subscriber.pk).update(soft_bounce_count=0)
    return notice.kind


def _count_soft_bounce(subscriber, report, notice):
    """Count the mailings that bounced softly in the window; at the limit, stop mail.

    Mailings, not reports: a relay retrying one e-mail for days may send several "delayed"
    reports about it, and that is one full mailbox, not several.
    """
    days = settings.NEWSLETTER_SOFT_BOUNCE_DAYS
    since = max(timezone.now() - timezone.timedelta(days=days), subscriber.signed_up_at)
    last_delivered = subscriber.bounce_reports.filter(kind=Kind.DELIVERED).order_by("-read_at").first()
    if last_delivered is not None:
        since = max(since, last_delivered.read_at)
    soft = subscriber.bounce_reports.filter(kind=Kind.SOFT, read_at__gte=since)
    count = (
        soft.filter(delivery__isnull=False).values("delivery").distinct().count()
        + soft.filter(delivery__isnull=True).count()
    )
    Subscriber.objects.filter(pk=subscriber.pk).update(
        soft_bounce_count=min(count, 32767), soft_bounced_at=timezone.now()
    )
    if count >= settings.NEWSLETTER_SOFT_BOUNCE_LIMIT:
        subscriber.mark_bounced(f"{count} soft bounces within {days} days; the last: {notice.reason}")
