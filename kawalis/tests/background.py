"""Tasks for the worker tests: one says which process ran it, one waits to be interrupted."""

import os
import time

from django_tasks import task


@task()
def report_worker(label):
    return {"label": label, "pid": os.getpid()}


@task()
def wait_for_file(path, seconds=120):
    """Runs until ``path`` exists: a task whose worker a test can kill in the middle of it."""
    deadline = time.monotonic() + seconds
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    return path
