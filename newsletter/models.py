"""The mailing list: who subscribed (and agreed to what), what is sent, and to whom it went.

``Subscriber`` holds the double opt-in and leaving; ``Mailing`` is one e-mail sent to many
(a digest or a newsletter an editor composed); ``Delivery`` is one row per (mailing, subscriber),
the record the sender claims and updates so that nobody receives the same mailing twice
(``newsletter/sending.py`` explains how); ``BounceReport`` is what a mail system reported back
about a delivery after accepting it: a bounce or a complaint (``newsletter/bounces.py``).
"""

import hashlib

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from articles.models import Article

CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"


class InvalidToken(Exception):
    """A link's token was tampered with, was made for something else, or names nobody."""


class ExpiredToken(InvalidToken):
    """A confirmation link older than ``NEWSLETTER_CONFIRM_DAYS``."""


def normalize_email(address):
    """The form an address is stored and compared in: no surrounding spaces, lower case.

    The local part is case-sensitive in theory only; every mailbox provider our readers use
    ignores case, and a reader who types their address in capitals once must not get two rows.
    """
    return (address or "").strip().lower()


def absolute_url(path):
    """``path`` as a full URL on ``SITE_URL`` (e-mails have no request to build one from)."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=Subscriber.Status.CONFIRMED)

    def sign_up(self, email, language, consent_text, network="", consented_at=None):
        """Record a signup from the form and say whether a confirmation e-mail must go out.

        ``network``: where it came from, as kept (``kawalis.client_address.stored_network``);
        ``consented_at``: when the reader sent the form (now by default; the worker that records
        it may run a little later).

        Returns ``(subscriber, send_confirmation)``. Safe under concurrency: the same address
        posted many times at once makes one row (unique column) and wins exactly one
        confirmation (a conditional UPDATE on ``confirmation_sent_at`` that only one request
        can match).
        """
        email = normalize_email(email)
        now = timezone.now()
        consented_at = consented_at or now
        consent = {
            "consent_text": consent_text,
            "consent_at": consented_at,
            "consent_network": network,
        }
        try:
            with transaction.atomic():
                subscriber = self.create(email=email, language=language, signed_up_at=consented_at, **consent)
        except IntegrityError:
            subscriber = self.get(email=email)
            if subscriber.status in (*Subscriber.STOPPED_BY_REPORTS, Subscriber.Status.UNSUBSCRIBED):
                # Coming back after leaving (or a bounce, or a complaint) is a new opt-in with a
                # new consent; soft bounces from before it no longer count (signed_up_at moves).
                self.filter(pk=subscriber.pk, status=subscriber.status).update(
                    status=Subscriber.Status.PENDING,
                    language=language,
                    signed_up_at=consented_at,
                    confirmation_sent_at=None,
                    soft_bounce_count=0,
                    **consent,
                )
            elif subscriber.status == Subscriber.Status.PENDING:
                self.filter(pk=subscriber.pk).update(language=language)
            subscriber.refresh_from_db()
        if subscriber.status != Subscriber.Status.PENDING:
            return subscriber, False
        resend_after = now - timezone.timedelta(minutes=settings.NEWSLETTER_RESEND_MINUTES)
        won = (
            self.filter(pk=subscriber.pk, status=Subscriber.Status.PENDING)
            .filter(Q(confirmation_sent_at__isnull=True) | Q(confirmation_sent_at__lt=resend_after))
            .update(confirmation_sent_at=now)
        )
        subscriber.refresh_from_db()
        return subscriber, bool(won)

    def from_confirmation_token(self, token):
        """The pending-or-confirmed subscriber a confirmation link was made for."""
        max_age = timezone.timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS)
        try:
            pk, signup_stamp = signing.loads(token, salt=CONFIRM_SALT, max_age=max_age)
        except signing.SignatureExpired as error:
            raise ExpiredToken from error
        except (signing.BadSignature, TypeError, ValueError) as error:
            raise InvalidToken from error
        subscriber = self.filter(pk=pk).first()
        # A link from before the reader left and came back belongs to an old opt-in.
        if subscriber is None or subscriber.signup_stamp != signup_stamp:
            raise InvalidToken
        return subscriber

    def from_unsubscribe_token(self, token):
        try:
            pk, email_digest = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        except (signing.BadSignature, TypeError, ValueError) as error:
            raise InvalidToken from error
        subscriber = self.filter(pk=pk).first()
        if subscriber is None or subscriber.email_digest != email_digest:
            raise InvalidToken
        return subscriber


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Confirmed")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained (marked as spam)")

    # The statuses a bounce or a complaint puts an address in: no mail goes to it any more.
    STOPPED_BY_REPORTS = (Status.BOUNCED, Status.COMPLAINED)

    email = models.EmailField(
        _("e-mail address"),
        max_length=254,
        unique=True,
        help_text=_("Stored in lower case, so the same address can only subscribe once."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("E-mails and pages for this subscriber are in this language."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    signed_up_at = models.DateTimeField(_("signed up"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    bounced_at = models.DateTimeField(_("bounced"), null=True, blank=True)
    complained_at = models.DateTimeField(
        _("complained"),
        null=True,
        blank=True,
        help_text=_("When a mailbox provider reported that this reader marked our e-mail as spam."),
    )
    bounce_reason = models.TextField(
        _("bounce or complaint reason"),
        blank=True,
        help_text=_("What the report that stopped mail to this address said (status code and diagnostic)."),
    )
    soft_bounce_count = models.PositiveSmallIntegerField(
        _("soft bounces"),
        default=0,
        help_text=_(
            "Mailings that bounced temporarily (mailbox full, server unavailable) within the window; "
            "at the limit, mail to this address stops."
        ),
    )
    soft_bounced_at = models.DateTimeField(_("last soft bounce"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    confirmation_sent_at = models.DateTimeField(_("confirmation e-mail sent"), null=True, blank=True)
    last_digest_at = models.DateTimeField(
        _("digest sent up to"),
        null=True,
        blank=True,
        help_text=_("Articles published after this time go into this subscriber's next digest."),
    )
    consent_text = models.TextField(
        _("consent text"), help_text=_("The exact text the subscriber agreed to.")
    )
    consent_at = models.DateTimeField(_("consent given"), default=timezone.now)
    consent_network = models.CharField(
        _("consent network"),
        max_length=49,
        blank=True,
        help_text=_(
            "The network the signup came from (its /24, or /48 for IPv6): enough to answer a "
            "complaint, never the reader's own address."
        ),
    )

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_up_at", "-id"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        permissions = [
            ("export_subscribers", _("Can export subscribers as CSV")),
            ("import_subscribers", _("Can import subscribers who already consented")),
        ]
        constraints = [
            # The rows the form writes are normalised; this keeps imports and the admin honest too.
            models.CheckConstraint(
                condition=Q(email=models.functions.Lower("email")), name="subscriber_email_lowercase"
            ),
        ]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def signup_stamp(self):
        return int(self.signed_up_at.timestamp() * 1_000_000)

    @property
    def email_digest(self):
        # Binds an unsubscribe link to the address without writing the address into the URL.
        return hashlib.sha256(self.email.encode()).hexdigest()[:16]

    def confirmation_url(self):
        token = signing.dumps([self.pk, self.signup_stamp], salt=CONFIRM_SALT)
        with translation.override(self.language):
            return absolute_url(reverse("newsletter:confirm", kwargs={"token": token}))

    def unsubscribe_token(self):
        return signing.dumps([self.pk, self.email_digest], salt=UNSUBSCRIBE_SALT)

    def unsubscribe_url(self, token=None):
        """The page with the one button; ``token``, when given, stands for ``unsubscribe_token()``."""
        with translation.override(self.language):
            token = token or self.unsubscribe_token()
            return absolute_url(reverse("newsletter:unsubscribe", kwargs={"token": token}))

    def one_click_unsubscribe_url(self, token=None):
        """The RFC 8058 endpoint mail providers POST to (``List-Unsubscribe`` header)."""
        token = token or self.unsubscribe_token()
        return absolute_url(reverse("newsletter_one_click", kwargs={"token": token}))

    def confirm(self):
        """Pending -> confirmed; returns False when the subscriber was not waiting for it."""
        now = timezone.now()
        updated = Subscriber.objects.filter(pk=self.pk, status=self.Status.PENDING).update(
            status=self.Status.CONFIRMED, confirmed_at=now
        )
        self.refresh_from_db()
        return bool(updated)

    def unsubscribe(self):
        """Leave at once; only a new signup (and a new confirmation) brings the address back."""
        Subscriber.objects.filter(pk=self.pk).exclude(status=self.Status.UNSUBSCRIBED).update(
            status=self.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now()
        )
        self.refresh_from_db()

    def mark_bounced(self, reason=""):
        """Stop all mail to this address: its mailbox does not exist or will never take ours.

        A reader who left, or complained, keeps that status (mail to them stopped already and
        the first reason is the one that matters); only the reason of a later report is kept.
        """
        self._stop_mail(self.Status.BOUNCED, "bounced_at", reason)

    def mark_complained(self, reason=""):
        """Stop all mail to this address: its reader reported our e-mail as spam."""
        self._stop_mail(self.Status.COMPLAINED, "complained_at", reason)

    def _stop_mail(self, status, time_field, reason):
        receiving = [self.Status.PENDING, self.Status.CONFIRMED]
        changes = {"status": status, time_field: timezone.now()}
        if reason:
            changes["bounce_reason"] = reason[:2000]
        Subscriber.objects.filter(pk=self.pk, status__in=receiving).update(**changes)
        self.refresh_from_db()


class MailingQuerySet(models.QuerySet):
    def in_progress(self):
        return self.filter(status=Mailing.Status.SENDING)

    def with_progress(self):
        """Each mailing with its delivery counts (``pending_count``, ``sent_count``, ...)."""
        counts = {
            f"{status}_count": models.Count("deliveries", filter=Q(deliveries__status=status))
            for status in Delivery.Status.values
        }
        return self.annotate(**counts)

    def with_reports(self):
        """Each mailing with how many of its deliveries were reported back, by kind
        (``hard_report_count``, ``soft_report_count``, ``complaint_report_count``, ...).

        Subqueries rather than a join: joined to the reports, ``with_progress``'s counts would
        count a delivery once per report about it.
        """
        counts = {}
        for kind in BounceReport.Kind.values:
            deliveries = (
                BounceReport.objects.filter(delivery__mailing=models.OuterRef("pk"), kind=kind)
                .order_by()
                .values("delivery__mailing")
                .annotate(n=models.Count("delivery", distinct=True))
                .values("n")
            )
            counts[f"{kind}_report_count"] = models.functions.Coalesce(models.Subquery(deliveries), 0)
        return self.annotate(**counts)


class Mailing(models.Model):
    class Kind(models.TextChoices):
        DIGEST = "digest", _("Digest")
        NEWSLETTER = "newsletter", _("Newsletter")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        DONE = "done", _("Sent")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.NEWSLETTER)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    subject = models.CharField(
        _("subject"),
        max_length=200,
        blank=True,
        help_text=_("Digests get a subject in each reader's language."),
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("A newsletter goes to the confirmed subscribers who read in this language."),
    )
    intro = models.TextField(
        _("introduction"),
        blank=True,
        help_text=_("Plain text shown above the articles; blank lines make paragraphs."),
    )
    articles = models.ManyToManyField(Article, verbose_name=_("articles"), blank=True, related_name="+")
    digest_key = models.CharField(
        _("digest period"),
        max_length=20,
        unique=True,
        null=True,
        blank=True,
        editable=False,
        help_text=_("The day or week a digest covers; one digest per period."),
    )
    covers_until = models.DateTimeField(_("articles published up to"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    queued_at = models.DateTimeField(_("send started"), null=True, blank=True, editable=False)
    recipients_added_at = models.DateTimeField(_("recipients listed"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True, editable=False)

    objects = MailingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = _("mailing")
        verbose_name_plural = _("mailings")
        permissions = [("send_mailing", _("Can send a mailing to subscribers"))]

    def __str__(self):
        if self.kind == self.Kind.DIGEST:
            return str(_("Digest %(period)s") % {"period": self.digest_key or ""})
        return self.subject or str(_("Untitled newsletter"))

    def get_absolute_url(self):
        return reverse("admin:newsletter_mailing_change", args=[self.pk])

    @property
    def is_editable(self):
        return self.status == self.Status.DRAFT

    def recipients(self):
        """Who this mailing goes to, decided when the send starts."""
        subscribers = Subscriber.objects.confirmed()
        if self.kind == self.Kind.NEWSLETTER:
            subscribers = subscribers.filter(language=self.language)
        return subscribers

    def queue(self):
        """Hand the mailing to the sender (``send_due_mailings`` lists recipients and sends)."""
        return bool(
            Mailing.objects.filter(pk=self.pk, status=self.Status.DRAFT).update(
                status=self.Status.SENDING, queued_at=timezone.now()
            )
        )


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        # The final "." went out and the SMTP server never answered it: it may have the message
        # or not. Not sent again by itself (newsletter/sending.py explains the choice).
        UNCERTAIN = "uncertain", _("Uncertain: no answer to the end of the message")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    mailing = models.ForeignKey(
        Mailing, verbose_name=_("mailing"), on_delete=models.CASCADE, related_name="deliveries"
    )
    subscriber = models.ForeignKey(
        Subscriber, verbose_name=_("subscriber"), on_delete=models.CASCADE, related_name="deliveries"
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
            models.UniqueConstraint(fields=["mailing", "subscriber"], name="one_delivery_per_subscriber"),
        ]
        indexes = [
            # The sender's claim query walks only the rows still to send.
            models.Index(
                fields=["next_attempt_at", "id"],
                name="delivery_pending_idx",
                condition=Q(status="pending"),
            ),
            models.Index(fields=["mailing", "status"], name="delivery_progress_idx"),
        ]

    def __str__(self):
        return f"{self.mailing} → {self.subscriber}"


class BounceReport(models.Model):
    """What a mail system said about one of our e-mails after accepting it, for one address.

    Read from the bounce mailbox by ``manage.py read_bounces`` (``newsletter/bounces.py``):
    delivery status notifications (RFC 3464) and complaint feedback reports (RFC 5965). The
    report's own Message-ID is kept so that a report read twice counts once.
    """

    class Kind(models.TextChoices):
        HARD = "hard", _("Hard bounce")
        SOFT = "soft", _("Soft bounce")
        COMPLAINT = "complaint", _("Complaint")
        DELIVERED = "delivered", _("Delivered")

    report_id = models.CharField(
        _("report ID"),
        max_length=255,
        help_text=_("The report's Message-ID (or a digest of its content when it has none)."),
    )
    subscriber = models.ForeignKey(
        Subscriber, verbose_name=_("subscriber"), on_delete=models.CASCADE, related_name="bounce_reports"
    )
    delivery = models.ForeignKey(
        Delivery,
        verbose_name=_("delivery"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bounce_reports",
        help_text=_("The e-mail the report is about, when its return address names it."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    status = models.CharField(
        _("status code"),
        max_length=40,
        blank=True,
        help_text=_("The delivery status (e.g. 5.1.1) or the complaint's feedback type (e.g. abuse)."),
    )
    reason = models.TextField(_("reason"), blank=True)
    reported_at = models.DateTimeField(
        _("reported"), default=timezone.now, help_text=_("The date the report itself gives.")
    )
    # Soft bounces are counted by when we read them: a report's own date is the sender's clock.
    read_at = models.DateTimeField(_("read"), auto_now_add=True)

    class Meta:
        ordering = ["-read_at", "-id"]
        get_latest_by = "read_at"
        verbose_name = _("bounce report")
        verbose_name_plural = _("bounce reports")
        constraints = [
            # The same report read twice (a mailbox read again, two readers at once) counts once.
            models.UniqueConstraint(fields=["report_id", "subscriber"], name="one_report_per_subscriber"),
        ]
        indexes = [models.Index(fields=["subscriber", "kind", "read_at"], name="bounce_report_window_idx")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subscriber}"
