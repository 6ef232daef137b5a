"""Background tasks: enqueued in the web process, run by a real worker from the database queue."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django_tasks import TaskResultStatus

from kawalis.tests.background import report_worker

DATABASE_BACKEND = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DATABASE_BACKEND


@pytest.mark.django_db(transaction=True)
def test_an_enqueued_task_waits_in_the_database_until_a_worker_runs_it(database_queue):
    result = report_worker.enqueue("front page")
    assert result.status == TaskResultStatus.READY

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["label"] == "front page"


@pytest.mark.django_db(transaction=True)
def test_a_worker_in_another_process_runs_the_task(database_queue):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database another process can open: run with DATABASE_URL=postgres://…")
    result = report_worker.enqueue("from the web server")
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}:{database['PASSWORD'] or ''}@{database['HOST']}:"
            f"{database['PORT']}/{database['NAME']}"
        ),
        "TASKS_BACKEND": "database",
    }

    worker = subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=django_settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert worker.returncode == 0, worker.stderr
    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["label"] == "from the web server"
    assert result.return_value["pid"] != os.getpid()
