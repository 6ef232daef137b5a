"""Push alerts as a background task (README "Background tasks" and "Push alerts").

The editor's click creates the alert and queues this task after the commit; a worker anywhere
runs ``send_due_alerts()``, which any number of workers may run at once (SKIP LOCKED claims).
``manage.py send_alerts`` from cron sends anything a failed run left.
"""

from django_tasks import task

from .sending import send_due_alerts


@task()
def send_queued_alerts():
    report = send_due_alerts()
    # Stored as JSON: counts only, never an endpoint.
    return {
        "sent": report.sent,
        "retry_later": report.retry_later,
        "failed": report.failed,
        "gone": report.gone,
    }
