"""Sending a newsletter from the admin queues a task; a worker sends it, not the editor's request."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from newsletter.models import Mailing

from .factories import subscriber

pytestmark = pytest.mark.django_db(transaction=True)  # the worker needs committed rows


def test_the_send_button_queues_the_mailing_and_a_worker_delivers_it(
    client, smtp_sink, make_article, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.NEWSLETTER_MAX_PER_SECOND = 0
    settings.NEWSLETTER_DIGEST = "off"
    client.force_login(User.objects.create_superuser("chief", "chief@example.com", "chief-pass-123"))
    subscriber("reader@example.com")
    mailing = Mailing.objects.create(subject="نشرة خاصة", language="ar", intro="مرحبا بكم.")
    mailing.articles.set([make_article()])

    response = client.post(f"/admin/newsletter/mailing/{mailing.pk}/send/")

    assert response.status_code == 302
    assert smtp_sink.messages == []
    assert DBTaskResult.objects.filter(task_path__endswith="send_queued_mailings").count() == 1

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert smtp_sink.wait_for(1)
    assert smtp_sink.messages[0]["To"] == "reader@example.com"
    mailing.refresh_from_db()
    assert mailing.status == Mailing.Status.DONE
    assert DBTaskResult.objects.get().return_value["sent"] == 1
