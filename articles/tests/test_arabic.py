import datetime
from zoneinfo import ZoneInfo

import pytest

from articles.arabic import MOROCCAN_MONTHS, moroccan_date

CASABLANCA = ZoneInfo("Africa/Casablanca")


@pytest.mark.parametrize("month, name", list(enumerate(MOROCCAN_MONTHS, start=1)))
def test_each_month_has_its_moroccan_name(month, name):
    value = datetime.datetime(2025, month, 3, 9, 5, tzinfo=CASABLANCA)
    assert moroccan_date(value, with_time=False, with_weekday=False) == f"3 {name} 2025"


def test_moroccan_months_are_the_newsroom_ones():
    assert MOROCCAN_MONTHS[4] == "ماي"
    assert MOROCCAN_MONTHS[6] == "يوليوز"
    assert MOROCCAN_MONTHS[7] == "غشت"
    assert MOROCCAN_MONTHS[8] == "شتنبر"
    assert MOROCCAN_MONTHS[10] == "نونبر"
    assert MOROCCAN_MONTHS[11] == "دجنبر"


def test_date_is_shown_in_casablanca_time_with_weekday():
    utc = datetime.datetime(2024, 11, 8, 23, 30, tzinfo=datetime.timezone.utc)
    # 23:30 UTC is already Saturday 00:30 in Casablanca (UTC+1).
    assert moroccan_date(utc) == "السبت 9 نونبر 2024 - 00:30"
