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


def test_a_reply_e_mail_the_server_did_not_take_is_not_marked_sent_and_goes_when_run_again(
    make_article, make_comment, smtp_sink, database_queue, settings
):
    from django_tasks import TaskResultStatus

    article = make_article()
    parent = make_comment(article, email="parent@example.com", notify_replies=True)
    reply = make_comment(article, parent=parent, email="replier@example.com", status=Comment.Status.PENDING)
    Comment.objects.filter(pk=reply.pk).set_status(Comment.Status.APPROVED)
    sink_port = settings.EMAIL_PORT
    settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = 9, 2  # nothing listens there: refused

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    failed = DBTaskResult.objects.get(task_path__endswith="send_reply_notification")
    assert failed.status == TaskResultStatus.FAILED  # visible, with the error, in the admin
    assert Comment.objects.get(pk=reply.pk).reply_notified_at is None  # not claimed: it never left
    settings.EMAIL_PORT = sink_port
    failed.task.enqueue(*failed.args_kwargs["args"])  # what the admin's "Run again" does
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    assert smtp_sink.wait_for(1)
    assert [message["To"] for message in smtp_sink.messages] == ["parent@example.com"]
    assert Comment.objects.get(pk=reply.pk).reply_notified_at is not None
