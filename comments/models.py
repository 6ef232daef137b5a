"""Readers' comments under an article, the words that send a comment away, and the rules of both.

Nothing a reader posts is shown before a moderator approves it (unless the site runs
post-moderation). Every change of what readers can see makes the article's comments stale in
the readers' cache (``invalidate(comments_tag(article_pk))``), here next to the write, once it
commits: an approval cools that article's pages, not the site.
"""

import hashlib
import unicodedata
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from kawalis.readercache import invalidate


def comments_tag(article_pk):
    """The readers' cache tag of an article's visible comments (its list, its count)."""
    return f"comments:{article_pk}"


# comments.spam keeps the blocked words here for a few minutes; saving one forgets them.
BLOCKED_WORDS_CACHE_KEY = "comments:blocked-words"


def accepts_comments(article):
    """Whether readers may post under ``article`` now: published, open, and not too old."""
    if not article.is_published or not article.comments_open:
        return False
    days = settings.COMMENTS_CLOSE_AFTER_DAYS
    return days <= 0 or article.published_at >= timezone.now() - timezone.timedelta(days=days)


def body_fingerprint(body):
    """The same words however they are spaced or cased: what duplicate detection compares."""
    normal = " ".join(unicodedata.normalize("NFKC", body).casefold().split())
    return hashlib.sha256(normal.encode()).hexdigest()


class CommentQuerySet(models.QuerySet):
    def approved(self):
        """What readers may see."""
        return self.filter(status=Comment.Status.APPROVED)

    def pending(self):
        return self.filter(status=Comment.Status.PENDING)

    def reported(self):
        return self.filter(report_count__gt=0)

    def for_email(self, email):
        return self.filter(email__iexact=email.strip())

    def status_counts(self):
        """``{status: count}`` for every status, in one query (the moderators' overview)."""
        counts = dict.fromkeys(Comment.Status.values, 0)
        for row in self.order_by().values("status").annotate(total=models.Count("id")):
            counts[row["status"]] = row["total"]
        return counts

    def set_status(self, status):
        """Moderate every comment of this queryset at once; returns how many changed.

        Readers' pages are invalidated when anything visible changed, and approved replies
        tell their parent's author (once per reply).
        """
        from .tasks import send_reply_notification

        changed = list(self.exclude(status=status).select_related("article", "parent"))
        if not changed:
            return 0
        now = timezone.now()
        fields = {"status": status, "updated_at": now}
        if status == Comment.Status.APPROVED:
            fields["approved_at"] = now
        Comment.objects.filter(pk__in=[c.pk for c in changed]).update(**fields)
        visible = [c for c in changed if Comment.Status.APPROVED in (status, c.status)]
        invalidate(*(comments_tag(pk) for pk in sorted({c.article_id for c in visible})))
        if status == Comment.Status.APPROVED:
            for comment in changed:
                comment.status = status
                if comment.parent_id:
                    transaction.on_commit(partial(send_reply_notification.enqueue, comment.pk))
        return len(changed)


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        SPAM = "spam", _("Spam")

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("in reply to"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
    )
    # The top-level comment of the thread (None for a top-level comment itself): one query then
    # fetches every reply of a page of threads, however deep they are nested.
    thread = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+", editable=False
    )
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    name = models.CharField(_("name"), max_length=60)
    email = models.EmailField(_("e-mail"), help_text=_("Never shown on the site."))
    body = models.TextField(_("comment"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    language = models.CharField(_("language"), max_length=7, choices=settings.LANGUAGES, default="ar")
    notify_replies = models.BooleanField(_("notify of replies"), default=False)

    # What a moderator needs to judge abuse, kept privacy-friendly: the network (/24 or /48),
    # never the full address, and the browser's self-description.
    ip_network = models.CharField(_("network"), max_length=49, blank=True, editable=False)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True, editable=False)
    fingerprint = models.CharField(max_length=64, editable=False, db_index=True)
    spam_reason = models.CharField(_("why held as spam"), max_length=120, blank=True, editable=False)
    report_count = models.PositiveIntegerField(_("reports"), default=0, editable=False)
    reply_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(_("posted"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        get_latest_by = "created_at"
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        indexes = [
            models.Index(fields=["article", "status", "thread", "created_at"], name="comment_threads_idx"),
            models.Index(fields=["email"], name="comment_email_idx"),
        ]

    def __str__(self):
        return Truncator(self.body).chars(60)

    def save(self, *args, **kwargs):
        self.fingerprint = body_fingerprint(self.body)
        if self.parent_id and self.parent is not None:
            self.thread_id = self.parent.thread_id or self.parent.pk
            self.depth = self.parent.depth + 1
        was = getattr(self, "_loaded_status", None)
        if self.status == self.Status.APPROVED and self.approved_at is None:
            self.approved_at = timezone.now()
        super().save(*args, **kwargs)
        self._loaded_status = self.status
        if self.Status.APPROVED in (was, self.status):
            invalidate(comments_tag(self.article_id))  # a visible comment appeared, changed or went
        if self.status == self.Status.APPROVED and was != self.status and self.parent_id:
            from .tasks import send_reply_notification

            transaction.on_commit(partial(send_reply_notification.enqueue, self.pk))

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#comment-{self.pk}"

    def delete(self, *args, **kwargs):
        visible = self.status == self.Status.APPROVED
        result = super().delete(*args, **kwargs)
        if visible:
            invalidate(comments_tag(self.article_id))
        return result

    @classmethod
    def from_db(cls, db, field_names, values):
        # Remembered so that save() knows whether the comment was visible before.
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    @property
    def is_approved(self):
        return self.status == self.Status.APPROVED

    @property
    def excerpt(self):
        return Truncator(" ".join(self.body.split())).chars(120)

    def report_url(self):
        return reverse("comments:report", kwargs={"pk": self.pk})


class BlockedWord(models.Model):
    """A word or phrase that gets a comment refused, kept by the moderators in the admin."""

    word = models.CharField(
        _("word or phrase"),
        max_length=100,
        unique=True,
        help_text=_(
            "A comment containing this (in any letter case, as a whole word) is refused with a "
            "request to rephrase it."
        ),
    )
    created_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        ordering = ["word"]
        verbose_name = _("blocked word")
        verbose_name_plural = _("blocked words")

    def __str__(self):
        return self.word

    def save(self, *args, **kwargs):
        self.word = " ".join(self.word.split())
        super().save(*args, **kwargs)
        cache.delete(BLOCKED_WORDS_CACHE_KEY)

    def delete(self, *args, **kwargs):
        result = super().delete(*args, **kwargs)
        cache.delete(BLOCKED_WORDS_CACHE_KEY)
        return result
