"""``manage.py run_worker``: django-tasks' ``db_worker`` with a heartbeat (kawalis/worker_watch.py).

Same options as ``db_worker``. While it runs, it records that it is alive and fails the running
tasks of workers that stopped beating, so that a killed worker's task shows as failed, with a
"Run again" action in the admin, instead of "Running" for ever.
"""

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from kawalis.worker_watch import Heartbeat


class Command(DatabaseWorkerCommand):
    help = "Run a database background worker that records a heartbeat and fails the tasks of lost workers"

    def handle(self, *args, worker_id, **options):
        heartbeat = Heartbeat(worker_id).start()
        try:
            return super().handle(*args, worker_id=worker_id, **options)
        finally:
            heartbeat.stop()
