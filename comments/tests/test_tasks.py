"""Comment e-mails leave the request: they are queued as tasks and a worker sends them."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from comments.models import Comment

pytestmark = pytest.mark.django_db(transaction=True)  # the worker needs committed rows


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_approving_a_reply_queues_the_e_mail_and_a_worker_sends_it(
    make_article, make_comment, smtp_sink, database_queue
):
    article = make_article(title_ar="مقال النقاش")
    parent = make_comment(article, email="parent@example.com", notify_replies=True)
    reply = make_comment(article, parent=parent, email="replier@example.com", status=Comment.Status.PENDING)

    Comment.objects.filter(pk=reply.pk).set_status(Comment.Status.APPROVED)

    assert smtp_sink.messages == []  # the moderator's request did not talk to the mail server
    assert DBTaskResult.objects.filter(task_path__endswith="send_reply_notification").count() == 1

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert smtp_sink.wait_for(1)
    assert smtp_sink.messages[0]["To"] == "parent@example.com"


def test_a_reply_deleted_before_the_worker_runs_sends_nothing(
    make_article, make_comment, smtp_sink, database_queue
):
    article = make_article()
    parent = make_comment(article, notify_replies=True)
    reply = make_comment(article, parent=parent, status=Comment.Status.PENDING)
    Comment.objects.filter(pk=reply.pk).set_status(Comment.Status.APPROVED)
    Comment.objects.filter(pk=reply.pk).delete()

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert smtp_sink.messages == []
    assert DBTaskResult.objects.get().return_value is False
