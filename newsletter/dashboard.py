"""The newsletter's panel on the admin dashboard: subscribers, their trend, the last mailing."""

import datetime

from django.db.models import Count, Q
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
            | Q(status=Subscriber.Status.COMPLAINED, complained_at__gte=moment)
        )
        .count()
    )
    return now_count, now_count - then_count


CHART_DAYS = 14
CHART_WIDTH, CHART_HEIGHT, CHART_PADDING = 280, 64, 6


def confirmed_at(moment):
    """Subscribers who were confirmed at ``moment`` (a filter), whatever they did since."""
    return Q(confirmed_at__lt=moment) & (
        Q(status=Subscriber.Status.CONFIRMED)
        | Q(status=Subscriber.Status.UNSUBSCRIBED, unsubscribed_at__gte=moment)
        | Q(status=Subscriber.Status.BOUNCED, bounced_at__gte=moment)
        | Q(status=Subscriber.Status.COMPLAINED, complained_at__gte=moment)
    )


def daily_confirmed_counts(days=CHART_DAYS):
    """``[(date, count)]``: confirmed subscribers at the end of each of the last ``days`` days
    (today: now), oldest first, from one query."""
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    moments = [midnight - datetime.timedelta(days=back) for back in range(days - 2, -1, -1)]
    counts = Subscriber.objects.aggregate(
        now=Count("pk", filter=Q(status=Subscriber.Status.CONFIRMED)),
        **{f"day{index}": Count("pk", filter=confirmed_at(moment)) for index, moment in enumerate(moments)},
    )
    series = [
        ((moment - datetime.timedelta(days=1)).date(), counts[f"day{index}"])
        for index, moment in enumerate(moments)
    ]
    return [*series, (timezone.localtime(now).date(), counts["now"])]


def chart_points(series, width=CHART_WIDTH, height=CHART_HEIGHT, padding=CHART_PADDING):
    """SVG polyline coordinates for ``series`` (oldest on the left), scaled to the box."""
    values = [count for _date, count in series]
    low, high = min(values), max(values)
    span = (high - low) or 1
    step = (width - 2 * padding) / max(len(values) - 1, 1)
    points = []
    for index, value in enumerate(values):
        x = padding + index * step
        # A flat line sits in the middle rather than on the floor.
        y = height / 2 if high == low else height - padding - (value - low) / span * (height - 2 * padding)
        points.append(f"{x:.1f},{y:.1f}")
    return " ".join(points)


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
    series = daily_confirmed_counts()
    points = chart_points(series)
    return {
        "title": _("Newsletter"),
        "chart": {
            "width": CHART_WIDTH,
            "height": CHART_HEIGHT,
            "points": points,
            # The newest point is marked: it is today's figure.
            "last_x": CHART_WIDTH - CHART_PADDING,
            "last_y": points.rsplit(",", 1)[-1],
            "first_date": series[0][0],
            "low": min(count for _date, count in series),
            "high": max(count for _date, count in series),
            "days": len(series),
        },
        "template": "newsletter/dashboard_panel.html",
        "confirmed": confirmed,
        "week_change": f"{change:+d}",
        "last_mailing": last_mailing,
    }
