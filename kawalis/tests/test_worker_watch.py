"""A task whose worker died is shown as failed, with the reason, and can be run again."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kawalis.models import WorkerBeat
from kawalis.tests.background import report_worker, wait_for_file
from kawalis.worker_watch import WORKER_LOST_PATH, fail_tasks_of_lost_workers

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DATABASE_BACKEND
    settings.TASK_WORKER_BEAT_SECONDS = 10


def running_task(label, worker_id, last_beat):
    result = DBTaskResult.objects.get(pk=report_worker.enqueue(label).id)
    result.claim(worker_id)
    WorkerBeat.objects.update_or_create(worker_id=worker_id, defaults={"beat_at": last_beat})
    return result


@pytest.mark.django_db
def test_the_task_of_a_worker_that_stopped_beating_is_failed_with_the_reason(database_queue):
    now = timezone.now()
    lost = running_task("lost", "worker-killed", now - timezone.timedelta(minutes=5))
    alive = running_task("alive", "worker-alive", now)

    failed = fail_tasks_of_lost_workers(now)

    lost.refresh_from_db()
    alive.refresh_from_db()
    assert failed == 1
    assert lost.status == TaskResultStatus.FAILED
    assert lost.exception_class_path == WORKER_LOST_PATH
    assert "worker-killed stopped while running this task" in lost.traceback
    assert lost.finished_at == now
    assert alive.status == TaskResultStatus.RUNNING
    assert not WorkerBeat.objects.filter(worker_id="worker-killed").exists()


@pytest.mark.django_db
def test_a_worker_silent_for_less_than_three_beats_is_not_judged_lost(database_queue):
    now = timezone.now()
    result = running_task("slow", "worker-busy", now - timezone.timedelta(seconds=25))

    assert fail_tasks_of_lost_workers(now) == 0
    result.refresh_from_db()
    assert result.status == TaskResultStatus.RUNNING


def _run_again(user, result):
    browser = Client()
    browser.force_login(user)
    return browser.post(
        "/en/admin/django_tasks_database/dbtaskresult/",
        {"action": "run_again", "_selected_action": [str(result.pk)]},
        follow=True,
    )


@pytest.mark.django_db
def test_run_again_in_the_admin_queues_the_same_task_with_the_same_arguments(
    database_queue, django_user_model
):
    lost = running_task("لوحة", "worker-killed", timezone.now() - timezone.timedelta(hours=1))
    fail_tasks_of_lost_workers()
    chief = django_user_model.objects.create_superuser("chief", "chief@example.com", "pw-chief-1")

    response = _run_again(chief, lost)

    assert response.status_code == 200
    assert "1 task queued again." in response.content.decode()
    again = DBTaskResult.objects.exclude(pk=lost.pk).get()
    assert again.status == TaskResultStatus.READY
    assert again.task_path == lost.task_path
    assert again.args_kwargs == {"args": ["لوحة"], "kwargs": {}}


@pytest.mark.django_db
def test_run_again_is_refused_to_staff_who_may_only_look(database_queue, django_user_model):
    from django.contrib.auth.models import Permission

    lost = running_task("x", "worker-killed", timezone.now() - timezone.timedelta(hours=1))
    fail_tasks_of_lost_workers()
    viewer = django_user_model.objects.create_user("viewer", password="pw-viewer-1", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_dbtaskresult"))

    _run_again(viewer, lost)

    assert DBTaskResult.objects.count() == 1  # nothing queued


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_leaves_it_failed_visibly_and_it_runs_again(
    database_queue, settings, tmp_path
):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database another process can open: run with DATABASE_URL=postgres://…")
    settings.TASK_WORKER_BEAT_SECONDS = 0.2
    release = tmp_path / "release"
    result = wait_for_file.enqueue(str(release))
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:"
            f"{database['PORT']}/{database['NAME']}"
        ),
        "TASKS_BACKEND": "database",
        "TASK_WORKER_BEAT_SECONDS": "0.2",
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--no-startup-delay", "--interval", "0.1"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _eventually(lambda: DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)

    assert _eventually(lambda: fail_tasks_of_lost_workers() == 1)
    lost = DBTaskResult.objects.get(pk=result.id)
    assert lost.status == TaskResultStatus.FAILED
    assert lost.exception_class_path == WORKER_LOST_PATH

    lost.task.enqueue(*lost.args_kwargs["args"], **lost.args_kwargs["kwargs"])  # what "Run again" does
    release.touch()
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    again = DBTaskResult.objects.exclude(pk=lost.pk).get()
    assert again.status == TaskResultStatus.SUCCESSFUL
    assert again.return_value == str(release)


def _eventually(condition, seconds=20.0):
    """Poll ``condition()``: a worker process starting, beats going silent, take clock time."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False
