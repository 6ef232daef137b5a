"""E-mails about comments, sent through Django's mail (the site's one e-mail path).

Each sending is one function, run by a task (comments/tasks.py), so a failing mail server is
never an error page for a moderator or a reader. A reply notification is recorded only once the
server accepted it: if it cannot be sent, the task fails (visible in the admin's task list, and
run again from there); the moderators' notice is logged and waits for the next comment.
"""

import logging
import smtplib

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

MODERATOR_MAIL_INTERVAL = 15 * 60


def notify_reply(reply):
    """Tell the parent comment's author that ``reply`` was approved; once per reply.

    Sent only if they asked for it, the parent is still approved, and the reply is not their
    own. Returns True when a message was sent.
    """
    from .models import Comment
    from .views import unsubscribe_token

    parent = reply.parent
    if (
        parent is None
        or not parent.notify_replies
        or not parent.is_approved
        or not reply.is_approved
        or parent.email.lower() == reply.email.lower()
    ):
        return False
    # The reply is marked notified only once the SMTP server accepted the e-mail, in the
    # transaction that holds its row: a second approval at once waits for the lock, then finds it
    # notified; a worker killed before the server's answer leaves it unmarked, and a refused or
    # unreachable server raises, so the task fails visibly (and can be run again from the admin).
    with transaction.atomic():
        unclaimed = Comment.objects.select_for_update().filter(pk=reply.pk, reply_notified_at__isnull=True)
        if not list(unclaimed.values_list("pk", flat=True)):
            return False
        _reply_message(reply, parent, unsubscribe_token).send()
        Comment.objects.filter(pk=reply.pk).update(reply_notified_at=timezone.now())
    return True


def _reply_message(reply, parent, unsubscribe_token):
    with translation.override(parent.language):
        unsubscribe_path = reverse("comments:unsubscribe", args=[unsubscribe_token(parent)])
        unsubscribe_url = settings.SITE_URL + unsubscribe_path
        context = {
            "reply": reply,
            "parent": parent,
            "article": reply.article,
            "reply_url": settings.SITE_URL + reply.get_absolute_url(),
            "unsubscribe_url": unsubscribe_url,
            "SITE_NAME": settings.SITE_NAME,
        }
        subject = _("New reply to your comment on “%(title)s”") % {"title": reply.article.title}
        body = render_to_string("comments/email/reply_notification.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=body,
        to=[parent.email],
        headers={"List-Unsubscribe": f"<{unsubscribe_url}>"},
    )


def moderators_due():
    """True when the moderators should be told now: someone to tell, nobody told in 15 minutes.

    Checked before queueing the e-mail (atomic ``cache.add``), so a burst of comments queues one
    task, not one per comment.
    """
    return bool(settings.COMMENTS_MODERATOR_EMAILS) and cache.add(
        "comments:moderators-told", 1, timeout=MODERATOR_MAIL_INTERVAL
    )


def notify_moderators():
    """Tell COMMENTS_MODERATOR_EMAILS that comments wait (callers check ``moderators_due()``)."""
    from .models import Comment

    recipients = settings.COMMENTS_MODERATOR_EMAILS
    if not recipients:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        queue_path = reverse("admin:comments_comment_changelist")
        context = {
            "pending": Comment.objects.pending().count(),
            "queue_url": f"{settings.SITE_URL}{queue_path}?status__exact=pending",
            "SITE_NAME": settings.SITE_NAME,
        }
        subject = _("Comments are waiting for moderation")
        body = render_to_string("comments/email/moderation_waiting.txt", context)
    return _send(EmailMessage(subject=subject, body=body, to=list(recipients)))


def _send(message):
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        logger.exception("Could not send the e-mail %r", message.subject)
        return False
    return True
