"""The subscriber chart on the editors' dashboard: a server-drawn SVG of daily counts."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from newsletter.dashboard import chart_points, daily_confirmed_counts
from newsletter.models import Subscriber
from newsletter.tests.factories import subscriber

pytestmark = pytest.mark.django_db

NOON = datetime.datetime(2026, 11, 20, 11, 0, tzinfo=datetime.timezone.utc)  # 12:00 in Casablanca


def make_history(now):
    day = datetime.timedelta(days=1)
    subscriber("a@example.com", confirmed_at=now - 10 * day)
    subscriber("b@example.com", confirmed_at=now - 10 * day)
    subscriber("c@example.com", confirmed_at=now - 3 * day)
    subscriber("d@example.com", confirmed_at=now)
    subscriber(
        "e@example.com",
        status=Subscriber.Status.UNSUBSCRIBED,
        confirmed_at=now - 20 * day,
        unsubscribed_at=now - day,
    )
    subscriber("pending@example.com", status=Subscriber.Status.PENDING)


def test_daily_counts_follow_confirmations_and_departures():
    with time_machine.travel(NOON, tick=False):
        make_history(timezone.now())

        series = daily_confirmed_counts(days=14)

    assert [count for _date, count in series] == [1, 1, 1, 3, 3, 3, 3, 3, 3, 3, 4, 4, 3, 4]
    assert series[-1][0] == datetime.date(2026, 11, 20)
    assert series[0][0] == datetime.date(2026, 11, 7)


def test_chart_points_span_the_box_oldest_on_the_left():
    series = [(None, 1), (None, 3), (None, 2)]

    points = chart_points(series, width=100, height=50, padding=5)

    assert points == "5.0,45.0 50.0,5.0 95.0,25.0"


def test_dashboard_shows_the_subscriber_chart_as_inline_svg(client):
    with time_machine.travel(NOON, tick=True):
        make_history(timezone.now())
        chief = User.objects.create_superuser("chief", "chief@example.com", "pass-chief-123")
        client.force_login(chief)

        html = client.get("/en/admin/").content.decode()

    chart = html[html.index('<figure class="dashboard-chart subscriber-chart"') : html.index("</figure>")]
    assert "<polyline" in chart
    assert "Confirmed subscribers over the last 14 days: between 1 and 4." in chart
    assert "<script" not in chart
