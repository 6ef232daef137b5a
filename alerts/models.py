"""Breaking-news push alerts: who asked for them, what was sent, and to whom it went.

``Subscription`` is one browser's Web Push subscription (RFC 8030: the push service's endpoint,
and the keys of RFC 8291 that only that browser can decrypt with) with the language of the page
it subscribed from. ``Alert`` is one article pushed to every subscription of a language it is
written in. ``Delivery`` is one row per (alert, subscription), the record the sender claims so
that nobody gets the same alert twice (``alerts/sending.py`` explains how, as the newsletter's).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article


class Subscription(models.Model):
    # The endpoint is the capability to push to the browser: it is never shown in the admin.
    endpoint = models.URLField(_("endpoint"), max_length=2000, unique=True)
    p256dh = models.CharField(_("public key"), max_length=100)
    auth = models.CharField(_("authentication secret"), max_length=40)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    created_at = models.DateTimeField(_("subscribed"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")

    def __str__(self):
        return f"{self.push_service} ({self.language})"

    @property
    def push_service(self):
        """The push service's host (which browser family), all the admin needs to know."""
        return urlsplit(self.endpoint).hostname or ""

    def as_subscription_info(self):
        """The shape pywebpush takes (the browser's ``PushSubscription.toJSON()``)."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


class AlertQuerySet(models.QuerySet):
    def in_progress(self):
        return self.filter(status=Alert.Status.SENDING)

    def with_counts(self):
        """Each alert with its deliveries counted by outcome (one query for the admin list)."""
        counts = {
            f"{status}_count": Count("deliveries", filter=Q(deliveries__status=status))
            for status in Delivery.Status.values
        }
        return self.annotate(**counts)


class Alert(models.Model):
    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        DONE = "done", _("Done")

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="push_alerts"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SENDING)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recipients_added_at = models.DateTimeField(_("recipients listed"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        permissions = [("send_alert", "Can send push alerts")]

    def __str__(self):
        return str(self.article)

    def recipients(self):
        """The subscriptions of every language the article is written in."""
        return Subscription.objects.filter(language__in=self.article.languages)


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        # The request went out and the push service never answered it: it may have the alert
        # or not. Not sent again by itself (alerts/sending.py explains the choice).
        UNCERTAIN = "uncertain", _("Uncertain: no answer from the push service")
        FAILED = "failed", _("Failed")
        GONE = "gone", _("Gone (the browser unsubscribed)")
        SKIPPED = "skipped", _("Skipped")

    alert = models.ForeignKey(
        Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="deliveries"
    )
    # Kept when the subscription goes (404/410), so that the alert's counts stay true.
    subscription = models.ForeignKey(
        Subscription,
        verbose_name=_("subscription"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["alert", "subscription"], name="one_alert_per_subscription"),
        ]
        indexes = [
            # The sender's claim query walks only the rows still to send.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="alert_delivery_pending_idx",
                condition=Q(status="pending"),
            ),
        ]

    def __str__(self):
        return f"{self.alert} → {self.subscription_id}"
