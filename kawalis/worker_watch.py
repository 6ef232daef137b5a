"""Tasks that survive their worker: a worker killed mid-task leaves its task visibly failed.

django-tasks' database worker marks a task "Running" when it takes it and "Successful" or
"Failed" when it ends; a worker killed in between (SIGKILL, the machine lost, out of memory)
leaves it "Running" for ever, and nothing retries it. ``manage.py run_worker`` is that worker
with a heartbeat: a thread of its own writes the worker's ``WorkerBeat`` every
``TASK_WORKER_BEAT_SECONDS`` and, each time, fails the running tasks of workers whose last beat
is older than three beats (``fail_tasks_of_lost_workers``): status "Failed", the exception
``WorkerLost``, and a traceback text that says which worker stopped and when. The admin's task
list then offers "Run again" (kawalis/admin.py), which enqueues the same task with the same
arguments.

A lost task is failed, not requeued by itself: it may have done part of its work (sent some
e-mails) before its worker died, and only someone who looked can say that running it again
does no harm. Tasks taken by a plain ``db_worker`` (no heartbeat) are never judged.
"""

import logging
import threading

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .models import WorkerBeat

logger = logging.getLogger(__name__)

BEATS_MISSED = 3  # a worker silent for this many beats is lost


class WorkerLost(Exception):
    """The worker running the task stopped (no heartbeat) before the task ended."""


WORKER_LOST_PATH = f"{WorkerLost.__module__}.{WorkerLost.__qualname__}"


def beat(worker_id, now=None):
    WorkerBeat.objects.update_or_create(worker_id=worker_id, defaults={"beat_at": now or timezone.now()})


def forget(worker_id):
    WorkerBeat.objects.filter(worker_id=worker_id).delete()


def fail_tasks_of_lost_workers(now=None):
    """Mark failed every running task whose worker has stopped beating; how many."""
    now = now or timezone.now()
    silent_since = now - timezone.timedelta(seconds=BEATS_MISSED * settings.TASK_WORKER_BEAT_SECONDS)
    lost = dict(WorkerBeat.objects.filter(beat_at__lt=silent_since).values_list("worker_id", "beat_at"))
    if not lost:
        return 0
    failed = 0
    for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("id", "worker_ids"):
        worker_id = result.worker_ids[-1] if result.worker_ids else None
        if worker_id not in lost:
            continue
        explanation = (
            f"{WORKER_LOST_PATH}: the worker {worker_id} stopped while running this task (its last "
            f"heartbeat was at {lost[worker_id].isoformat()}). The task may have done part of its "
            'work; check, then use the admin\'s "Run again" to enqueue it again.\n'
        )
        with transaction.atomic():
            failed += DBTaskResult.objects.filter(pk=result.pk, status=TaskResultStatus.RUNNING).update(
                status=TaskResultStatus.FAILED,
                finished_at=now,
                exception_class_path=WORKER_LOST_PATH,
                traceback=explanation,
                return_value=None,
            )
        logger.error("Task %s failed: its worker %s stopped while running it", result.pk, worker_id)
    # Lost workers have nothing running any more: forgotten. One that was only paused (its
    # database out of reach) beats again when it resumes, and records its task's end as usual.
    WorkerBeat.objects.filter(worker_id__in=list(lost), beat_at__lt=silent_since).delete()
    return failed


class Heartbeat:
    """A thread that beats for ``worker_id`` and fails the tasks of lost workers, until stopped."""

    def __init__(self, worker_id):
        self.worker_id = worker_id
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat {worker_id}", daemon=True)

    def start(self):
        beat(self.worker_id)  # before the first task is taken
        self._thread.start()
        return self

    def stop(self):
        self._stopped.set()
        self._thread.join(timeout=10)
        forget(self.worker_id)

    def _run(self):
        while not self._stopped.wait(settings.TASK_WORKER_BEAT_SECONDS):
            try:
                close_old_connections()
                beat(self.worker_id)
                fail_tasks_of_lost_workers()
            except Exception:  # the database away: the worker itself will notice; beat again later
                logger.exception("The heartbeat of worker %s could not be recorded", self.worker_id)
        connection.close()
