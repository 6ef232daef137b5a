"""Newsletter sending as a background task (README "Background tasks").

The editor's "send" click queues the mailing and this task; a worker anywhere runs
``send_due_mailings()``, which any number of workers may run at once (it claims each e-mail
with SKIP LOCKED). ``manage.py send_newsletter`` from cron still sends the daily digest and
anything a failed run left over.
"""

from django_tasks import task

from .sending import send_due_mailings


@task()
def send_queued_mailings():
    report = send_due_mailings()
    # The result is stored as JSON: counts only, never addresses.
    return {"sent": report.sent, "retry_later": report.retry_later, "failed": report.failed}
