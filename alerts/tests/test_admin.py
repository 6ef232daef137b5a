"""Editors send alerts from the article list and the breaking-news strip; others cannot."""

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from alerts.models import Alert, Delivery
from articles.models import BreakingNews

from .test_sending import subscribe

ACTION_PAGE = "/admin/articles/article/"


def send_action(client, article, action="send_push_alert", page=ACTION_PAGE, pk=None):
    return client.post(page, {"action": action, "_selected_action": [pk or article.pk]}, follow=True)


@pytest.mark.django_db
def test_editor_sends_an_alert_from_the_article_list(
    client, editor_user, push_server, make_article, django_capture_on_commit_callbacks
):
    subscribe(push_server, "a")
    article = make_article()
    client.force_login(editor_user)

    with django_capture_on_commit_callbacks(execute=True):  # the task is queued after the commit
        send_action(client, article)

    alert = Alert.objects.get()
    assert (alert.article, alert.created_by) == (article, editor_user)
    assert Delivery.objects.get().status == Delivery.Status.SENT  # the task ran (immediate backend)
    assert len(push_server.requests) == 1
    listing = client.get("/admin/alerts/alert/").content.decode()
    assert "push/a" not in listing  # no endpoint shown
    assert "push/a" not in client.get("/admin/alerts/subscription/").content.decode()


@pytest.mark.django_db
def test_editor_sends_an_alert_from_a_breaking_news_line(
    client, editor_user, push_server, make_article, django_capture_on_commit_callbacks
):
    subscribe(push_server, "a")
    article = make_article()
    now = timezone.now()
    line = BreakingNews.objects.create(
        article=article, starts_at=now, expires_at=now + timezone.timedelta(hours=1)
    )
    client.force_login(editor_user)

    with django_capture_on_commit_callbacks(execute=True):
        send_action(
            client, None, "send_push_alert_for_breaking_news", "/admin/articles/breakingnews/", line.pk
        )

    assert Alert.objects.get().article == article
    assert len(push_server.requests) == 1


@pytest.mark.django_db
def test_staff_without_the_permission_cannot_send(client, push_server, make_article):
    user = User.objects.create_user("writer", "w@example.com", "x", is_staff=True, is_superuser=False)
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="articles", codename__in=["view_article", "change_article"]
        )
    )
    client.force_login(user)
    page = client.get(ACTION_PAGE).content.decode()
    assert "send_push_alert" not in page

    send_action(client, make_article())

    assert not Alert.objects.exists()


@pytest.mark.django_db
def test_the_action_is_absent_without_keys(client, editor_user, settings, vapid_keys):
    settings.VAPID_PRIVATE_KEY = ""
    client.force_login(editor_user)
    assert "send_push_alert" not in client.get(ACTION_PAGE).content.decode()


def test_editors_send_alerts_and_administrators_hold_every_right_of_alerts(db):
    from django.contrib.auth.models import Group

    def rights(name):
        return {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=name).permissions.filter(content_type__app_label="alerts")
        }

    assert rights("Editor") == {"alerts.send_alert", "alerts.view_alert", "alerts.view_subscription"}
    administrator = rights("Administrator")
    assert {"alerts.send_alert", "alerts.delete_subscription", "alerts.change_alert"} <= administrator
    assert len(administrator) == 13
    assert rights("Reporter") == set() and rights("Moderator") == set()
