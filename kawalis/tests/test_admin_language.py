"""The admin in the newsroom's language: Django's wrong Arabic messages, dates, names of things."""

import datetime

from django.contrib.auth.models import Group, User
from django.utils import formats, timezone, translation

from kawalis.apps import TaskResultsConfig


def test_saving_a_changed_user_says_changed_not_added_in_arabic(admin_client, db):
    reporter = User.objects.create_user("reporter", first_name="سعاد")
    page = admin_client.get(f"/admin/auth/user/{reporter.pk}/change/")
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if value is not None and key not in {"groups", "user_permissions", "password", "last_login"}
    }
    data.update(
        {
            "username": "reporter",
            "first_name": "سعاد",
            "last_name": "العلوي",
            "date_joined_0": "2026-12-01",
            "date_joined_1": "10:00:00",
            "is_active": "on",
        }
    )

    response = admin_client.post(f"/admin/auth/user/{reporter.pk}/change/", data, follow=True)

    messages = [str(message) for message in response.context["messages"]]
    assert messages == [
        f'تم تعديل المستخدم \u200f«<a href="/admin/auth/user/{reporter.pk}/change/">reporter</a>» بنجاح.'
    ]
    assert "إضافة" not in messages[0]


def test_dates_are_day_first_with_moroccan_month_names_in_arabic():
    moment = timezone.make_aware(datetime.datetime(2026, 12, 2, 21, 15))
    with translation.override("ar"):
        assert formats.date_format(moment, "DATE_FORMAT") == "2 دجنبر 2026"
        assert formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT") == "2 دجنبر 2026 - 21:15"
        assert formats.date_format(moment, "SHORT_DATETIME_FORMAT") == "02/12/2026 21:15"
    with translation.override("fr"):
        assert formats.date_format(moment, "DATE_FORMAT") == "2 décembre 2026"
    with translation.override("en"):
        assert formats.date_format(moment, "SHORT_DATE_FORMAT") == "02/12/2026"


def test_staff_groups_and_the_task_results_show_in_the_admins_language(db):
    with translation.override("ar"):
        assert str(Group.objects.get(name="Editor")) == "محرر"
        assert str(Group.objects.get(name="Newsletter editor")) == "محرر النشرة البريدية"
        assert str(TaskResultsConfig.verbose_name) == "المهام في الخلفية"
    assert Group.objects.filter(name="Moderator").exists()  # the stored name is unchanged


def test_the_admin_index_names_the_task_results_in_arabic(admin_client):
    html = admin_client.get("/admin/").content.decode()

    assert "المهام في الخلفية" in html
    assert "Tasks Database Backend" not in html
    assert "Task Results" not in html
