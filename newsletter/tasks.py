"""Newsletter e-mails as background tasks (README "Background tasks").

The editor's "send" click queues the mailing and ``send_queued_mailings``; a worker anywhere runs
``send_due_mailings()``, which any number of workers may run at once (it claims each e-mail
with SKIP LOCKED). ``manage.py send_newsletter`` from cron still sends the daily digest and
anything a failed run left over.

A signup queues ``send_signup_confirmation`` once its row is committed: the reader's request
answers in the same time whether the address was new, waiting or already confirmed.
"""

from django_tasks import task

from . import signup
from .models import Subscriber
from .sending import send_due_mailings


@task()
def send_queued_mailings():
    report = send_due_mailings()
    # The result is stored as JSON: counts only, never addresses.
    return {"sent": report.sent, "retry_later": report.retry_later, "failed": report.failed}


@task()
def send_signup_confirmation(subscriber_id):
    """The double opt-in e-mail for a signup, by subscriber id (task arguments must be JSON).

    Nothing is sent to an address that is no longer waiting (confirmed, left, bounced or erased
    before the worker got to it). On an SMTP failure the reader's next signup sends at once
    (``signup.send_confirmation`` clears the stamp that would make it wait).
    """
    subscriber = Subscriber.objects.filter(pk=subscriber_id, status=Subscriber.Status.PENDING).first()
    if subscriber is None:
        return False
    return signup.send_confirmation(subscriber)
