"""Sending alerts: each subscription gets each alert exactly once, paced, in the worker.

``send_due_alerts()`` is the whole job; the background task queued by the editor's click and
``manage.py send_alerts`` both call it, and any number may run at once. The design is the
newsletter's (``newsletter/sending.py``), with an HTTP request in place of an SMTP message:

1. **Claim.** In a transaction, lock one due ``Delivery`` with ``SELECT ... FOR UPDATE SKIP
   LOCKED``: two senders never hold the same row, and a sender that dies releases it with its
   transaction (nothing stale to clean up).
2. **Transmit, but hold the last byte** (``alerts/push.py``): the push service acts on a request
   only once it has its whole body, so until then a lost connection leaves it nothing.
3. **Record as uncertain, COMMIT, then send the last byte** and read the answer:
   - ``201`` (or any 2xx): the row becomes ``sent``. Nothing else makes a row ``sent``.
   - ``404``/``410``: the browser's subscription is gone (RFC 8030 section 7.3): the row says
     ``gone`` and the subscription is deleted, so no later alert tries it.
   - ``429`` and ``5xx``: refused for now: tried again later, after ``Retry-After`` when the push
     service gives one, else ``ALERTS_RETRY_SECONDS`` doubling, up to ``ALERTS_MAX_ATTEMPTS``.
   - other refusals (400, 401, 403, 413): failed, with the answer in ``last_error``.
   - the connection closed or reset without an answer: the push service kept nothing; the row is
     pending again (one attempt counted).
   - no answer within the timeout: the row stays ``uncertain`` and is not sent again by itself.

What a ``kill -9`` can cost, by moment: before the COMMIT of step 3, nothing (the row is pending
again, the push service discarded the incomplete request); between that COMMIT and the answer,
the row says ``uncertain``: the push service has the alert if the last byte was written (the
usual case: the process waits for the answer there), not if the process died in the one system
call before. An uncertain row is never sent again: a second notification of the same story is
worse than a missed one (and the service worker shows alerts with one ``tag`` per alert, so
even a repeat would replace the first on screen rather than add one).

While some deliveries wait for a retry due within ``ALERTS_MAX_RETRY_WAIT`` seconds, the run
waits for them (breaking news cannot wait for the next cron); later ones are left to the next
run. ``should_stop()`` is asked between pushes (``manage.py send_alerts`` sets it on SIGTERM).
"""

import dataclasses
import email.utils
import logging
import time

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.utils import timezone, translation

from articles.models import Article
from kawalis.sending_runs import Pacer, add_deliveries

from . import push
from .models import Alert, Delivery, Subscription

logger = logging.getLogger(__name__)

RECIPIENT_CHUNK = 2000
TITLE_CHARACTERS = 200
BODY_CHARACTERS = 300


class NotAlertable(Exception):
    """The article cannot be pushed: not published (or scheduled), or alerts are off."""


@dataclasses.dataclass
class SendReport:
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    gone: int = 0
    skipped: int = 0
    uncertain: int = 0
    stopped: bool = False

    def __str__(self):
        summary = (
            f"{self.sent} sent, {self.retry_later} to retry later, {self.failed} failed, "
            f"{self.gone} gone, {self.skipped} skipped"
        )
        if self.uncertain:
            summary += f"; {self.uncertain} uncertain (the push service never answered)"
        if self.stopped:
            summary += "; stopped on request, the next run sends the rest"
        return summary


def queue_alert(article, user=None):
    """Create the alert for ``article`` and queue its sending once the transaction commits."""
    from .tasks import send_queued_alerts

    if not push.enabled():
        raise NotAlertable("push alerts are off (no VAPID key)")
    if not Article.objects.published().filter(pk=article.pk).exists():
        raise NotAlertable("the article is not published")
    alert = Alert.objects.create(article=article, created_by=user)
    transaction.on_commit(send_queued_alerts.enqueue)
    return alert


def add_recipients(alert):
    """One pending Delivery per subscription of the article's languages; safe to run twice."""
    if alert.recipients_added_at:
        return
    add_deliveries(
        Delivery,
        alert.recipients().order_by("pk").values_list("pk", flat=True).iterator(RECIPIENT_CHUNK),
        lambda subscription_id: Delivery(alert_id=alert.pk, subscription_id=subscription_id),
        RECIPIENT_CHUNK,
    )
    Alert.objects.filter(pk=alert.pk, recipients_added_at__isnull=True).update(
        recipients_added_at=timezone.now()
    )


class Messages:
    """What each language's readers get for an alert, built once per (alert, language) and run.

    None when the article is no longer published (unpublished or rescheduled after the click):
    its deliveries are skipped rather than sending readers to a page they cannot open.
    """

    def __init__(self):
        self._messages = {}

    def message_for(self, alert, language):
        key = (alert.pk, language)
        if key not in self._messages:
            self._messages[key] = self._build(alert, language)
        return self._messages[key]

    def _build(self, alert, language):
        article = Article.objects.published().filter(pk=alert.article_id).first()
        if article is None or not article.has_language(language):
            return None
        with translation.override(language):
            title = getattr(article, f"title_{language}", None) or article.title
            lead = getattr(article, f"lead_{language}", None) or ""
            url = settings.SITE_URL.rstrip("/") + article.get_absolute_url()
            return {
                "title": title[:TITLE_CHARACTERS],
                "body": (lead or settings.SITE_NAME)[:BODY_CHARACTERS],
                "url": url,
                "tag": f"alert-{alert.pk}",
                "lang": language,
                "dir": "rtl" if translation.get_language_bidi() else "ltr",
            }


def _retry_after_seconds(headers):
    value = (headers.get("Retry-After") or "").strip() if headers is not None else ""
    if not value:
        return 0
    if value.isdigit():
        return int(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 0
    return max(0, int((when - timezone.now()).total_seconds()))


def _retry_or_fail(delivery_id, attempts, error, retry_after=0):
    """Record a refused attempt: back off (at least ``retry_after``) and retry, or give up."""
    if attempts >= settings.ALERTS_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery_id).update(
            status=Delivery.Status.FAILED, attempts=attempts, last_error=str(error)[:1000], sent_at=None
        )
        return "failed"
    delay = max(retry_after, settings.ALERTS_RETRY_SECONDS * 2 ** (attempts - 1))
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.PENDING,
        attempts=attempts,
        last_error=str(error)[:1000],
        sent_at=None,
        next_attempt_at=timezone.now() + timezone.timedelta(seconds=delay),
    )
    return "retry_later"


def _claim_next():
    return (
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("subscription", "alert")
        .filter(
            status=Delivery.Status.PENDING,
            next_attempt_at__lte=timezone.now(),
            alert__status=Alert.Status.SENDING,
        )
        .order_by("next_attempt_at", "id")
        .first()
    )


def _send_next(connections, messages):
    """Claim, push and record one delivery (see the module docstring); its outcome or None."""
    with transaction.atomic():
        delivery = _claim_next()
        if delivery is None:
            return None
        subscription = delivery.subscription
        if subscription is None:  # gone (404/410 to another alert) since the list was made
            Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SKIPPED, last_error="gone")
            return "skipped"
        message = messages.message_for(delivery.alert, subscription.language)
        if message is None:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.SKIPPED, last_error="article not published"
            )
            return "skipped"
        attempts = delivery.attempts + 1
        request = push.build_request(
            subscription.as_subscription_info(),
            message,
            ttl=settings.ALERTS_TTL_SECONDS,
            topic=message["tag"],
        )
        try:
            connections.transmit(request)
        except OSError as error:
            return _retry_or_fail(delivery.pk, attempts, error)
        # Recorded before the push service can accept: see "Record as uncertain" above.
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.UNCERTAIN, sent_at=timezone.now(), attempts=attempts, last_error=""
        )
    try:
        status, headers = connections.finish()
    except push.Unconfirmed as error:
        logger.warning("No answer to alert delivery %s; left uncertain, not sent again", delivery.pk)
        Delivery.objects.filter(pk=delivery.pk).update(last_error=str(error)[:1000])
        return "uncertain"
    except push.NotAnswered as error:
        return _retry_or_fail(delivery.pk, attempts, error)
    if 200 <= status < 300:
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SENT)
        return "sent"
    if status in (404, 410):
        with transaction.atomic():
            Delivery.objects.filter(pk=delivery.pk).update(
                status=Delivery.Status.GONE, sent_at=None, last_error=f"HTTP {status}"
            )
            Subscription.objects.filter(pk=subscription.pk).delete()
        return "gone"
    if status == 429 or status >= 500:
        return _retry_or_fail(delivery.pk, attempts, f"HTTP {status}", _retry_after_seconds(headers))
    logger.warning("Push service refused alert delivery %s: HTTP %s", delivery.pk, status)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.FAILED, sent_at=None, last_error=f"HTTP {status}"
    )
    return "failed"


def next_retry_at():
    """When the earliest delivery waiting for a retry is due, or None."""
    return Delivery.objects.filter(
        status=Delivery.Status.PENDING, alert__status=Alert.Status.SENDING
    ).aggregate(due=Min("next_attempt_at"))["due"]


def finish_alerts():
    """Mark as done the alerts with no delivery left to try."""
    for alert in Alert.objects.in_progress().filter(recipients_added_at__isnull=False):
        if not alert.deliveries.filter(status=Delivery.Status.PENDING).exists():
            Alert.objects.filter(pk=alert.pk, status=Alert.Status.SENDING).update(
                status=Alert.Status.DONE, finished_at=timezone.now()
            )


def send_due_alerts(per_second=None, pacer=None, should_stop=None, sleep=time.sleep, max_wait=None):
    """List the recipients of new alerts and push every due delivery; a SendReport.

    ``sleep`` is how the run waits for retries (injectable: tests move a frozen clock with it).
    """
    for alert in Alert.objects.in_progress().filter(recipients_added_at__isnull=True):
        add_recipients(alert)
    report = SendReport()
    pacer = pacer or Pacer(settings.ALERTS_MAX_PER_SECOND if per_second is None else per_second)
    max_wait = settings.ALERTS_MAX_RETRY_WAIT if max_wait is None else max_wait
    connections = push.PushConnections()
    messages = Messages()
    try:
        while True:
            if should_stop is not None and should_stop():
                report.stopped = True
                break
            pacer.wait()
            outcome = _send_next(connections, messages)
            if outcome is not None:
                setattr(report, outcome, getattr(report, outcome) + 1)
                continue
            due = next_retry_at()
            if due is None:
                break
            wait = (due - timezone.now()).total_seconds()
            if wait > max_wait:
                break
            sleep(max(wait, 0.0))
    finally:
        connections.close()
    finish_alerts()
    return report
