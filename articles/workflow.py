"""The review workflow: who may move an article to which state, what its history says of each
move, and the e-mail that tells editors something waits.

States: a *draft* is written, *submitted for review*, then either *published* (or scheduled,
by a publication time to come) by someone who may publish, or *returned* to draft with a note
saying what to change. Writers (the Reporter group) may add and change articles but never
publish: only the ``articles.publish_article`` permission (the Editor group) puts words in
front of readers. A published or scheduled story is the publishers' alone: a writer's save
would change what readers see, so writers may view it, not change or delete it.

Every route that changes an article's state asks here (the admin's form, its list actions,
its other views); the admin (articles/admin.py) applies these rules, the model knows none of
the users.
"""

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from .models import Article

logger = logging.getLogger(__name__)

PUBLISH_PERMISSION = "articles.publish_article"
# Fields that decide what readers see and when: set by those who may publish, read-only to
# writers (a forged POST of them is not even read: read-only fields are not in the form).
PUBLISHER_FIELDS = ["published_at", "unpublish_at", "is_featured"]
# As the comments' moderators' notice (comments/notifications.py): one e-mail per quarter hour
# at most, however many stories are submitted.
EDITORS_MAIL_INTERVAL = 15 * 60
EDITORS_TOLD_KEY = "articles:editors-told"
# Titles listed in the e-mail; the queue in the admin has them all.
MAIL_TITLES = 10


def can_publish(user):
    """Whether ``user`` may publish, schedule, unpublish or set an expiry time."""
    return bool(user and user.is_active and user.has_perm(PUBLISH_PERMISSION))


def statuses_for(user):
    """The states ``user`` may give an article: writers draft and submit, publishers all."""
    if can_publish(user):
        return list(Article.Status)
    return [Article.Status.DRAFT, Article.Status.REVIEW]


def may_change(user, article):
    """Whether ``user`` (who has the change permission) may change this article: a writer not
    one that is published or scheduled (their save would change what readers see)."""
    return article is None or can_publish(user) or article.status != Article.Status.PUBLISHED


def is_return(before, after):
    """An article sent back from review to its writer (a note is then required)."""
    return before == Article.Status.REVIEW and after == Article.Status.DRAFT


def transition_message(before, article, note=""):
    """The history's words for a move of ``article`` from state ``before`` to its current one
    ("" when the state did not change and there is no note), in the active language."""
    after = article.status
    note = " ".join((note or "").split())
    if before == after:
        message = ""
    elif after == Article.Status.REVIEW:
        message = _("Submitted for review.")
    elif is_return(before, after):
        message = _("Returned to the writer.")
    elif after == Article.Status.DRAFT:
        message = _("Unpublished: back to draft.") if before == Article.Status.PUBLISHED else ""
    elif article.published_at > timezone.now():
        when = formats.date_format(timezone.localtime(article.published_at), "SHORT_DATETIME_FORMAT")
        message = _("Scheduled for %(time)s.") % {"time": when}
    else:
        message = _("Published.")
    if note:
        message = " ".join(filter(None, [message, _("Note: “%(note)s”") % {"note": note}]))
    return message


# --- Telling the editors ----------------------------------------------------------------------


def editors():
    """Active staff who may publish (by group or by their own permission), with an address.

    Superusers are not written to for having every right: only those given the publishing
    permission are the desk.
    """
    app_label, codename = PUBLISH_PERMISSION.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
    if permission is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(Q(groups__permissions=permission) | Q(user_permissions=permission))
        .filter(is_active=True, is_staff=True)
        .exclude(email="")
        .distinct()
    )


def editors_due():
    """True when the editors should be told now: someone to tell, nobody told in 15 minutes.

    The atomic ``cache.add`` makes a burst of submissions queue one task, not one each.
    """
    return editors().exists() and cache.add(EDITORS_TOLD_KEY, 1, timeout=EDITORS_MAIL_INTERVAL)


def tell_editors_after_commit(using=None):
    """Once the submission is committed (a rolled-back one tells nobody, and the worker reads
    what was committed), queue the e-mail to the editors if one is due."""
    transaction.on_commit(_queue_editors_notice, using=using)


def _queue_editors_notice():
    from .tasks import send_review_notice

    if editors_due():
        send_review_notice.enqueue()


def notify_editors():
    """E-mail the editors the articles waiting for review; False when nothing was sent."""
    recipients = sorted(set(editors().values_list("email", flat=True)))
    waiting = Article.objects.filter(status=Article.Status.REVIEW).order_by("updated_at", "id")
    count = waiting.count()
    if not recipients or not count:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        queue_path = reverse("admin:articles_article_changelist")
        context = {
            "count": count,
            "articles": list(waiting[:MAIL_TITLES]),
            "queue_url": f"{settings.SITE_URL}{queue_path}?state=review",
            "SITE_NAME": settings.SITE_NAME,
        }
        subject = _("Articles are waiting for review")
        body = render_to_string("articles/email/review_waiting.txt", context)
    message = EmailMessage(subject=subject, body=body, to=recipients)
    try:
        message.send()
    except (smtplib.SMTPException, OSError):
        # Logged; the next submission after the quarter hour tries again.
        logger.exception("Could not send the e-mail %r", message.subject)
        return False
    return True
