"""Digests: when the current period's digest is due, and which articles a reader finds in it.

``NEWSLETTER_DIGEST`` (off, daily or weekly) and ``NEWSLETTER_DIGEST_HOUR`` set the period.
``queue_due_digest()`` makes at most one digest ``Mailing`` a period (its ``digest_key`` is
unique, so senders running at once make one between them), and only when something was
published since the previous digest. A reader's digest covers what was published since the
last digest they were sent (``Subscriber.last_digest_at``). ``articles_for()`` also lists an
editor's newsletter's articles.
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import Article

from .models import Mailing

DIGEST_MAX_ARTICLES = 30


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
