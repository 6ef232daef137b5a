"""The newsletter's panel on the admin dashboard: subscribers, their trend, the last mailing."""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kawalis.dashboard import dashboard_panel

from .models import Mailing, Subscriber


def confirmed_change_since(moment):
    """Confirmed subscribers now minus those confirmed at ``moment`` (re-signups aside)."""
    now_count = Subscriber.objects.confirmed().count()
    then_count = (
        Subscriber.objects.filter(confirmed_at__lt=moment)
        .filter(
            Q(status=Subscriber.Status.CONFIRMED)
            | Q(status=Subscriber.Status.UNSUBSCRIBED, unsubscribed_at__gte=moment)
            | Q(status=Subscriber.Status.BOUNCED, bounced_at__gte=moment)
        )
        .count()
    )
    return now_count, now_count - then_count


@dashboard_panel(order=60)
def newsletter_panel(request):
    if not request.user.has_perm("newsletter.view_subscriber"):
        return None
    confirmed, change = confirmed_change_since(timezone.now() - timezone.timedelta(days=7))
    last_mailing = (
        Mailing.objects.exclude(status=Mailing.Status.DRAFT)
        .with_progress()
        .order_by("-queued_at", "-id")
        .first()
    )
    return {
        "title": _("Newsletter"),
        "template": "newsletter/dashboard_panel.html",
        "confirmed": confirmed,
        "week_change": f"{change:+d}",
        "last_mailing": last_mailing,
    }
