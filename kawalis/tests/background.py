"""A task for the worker tests: it says which process ran it."""

import os

from django_tasks import task


@task()
def report_worker(label):
    return {"label": label, "pid": os.getpid()}
