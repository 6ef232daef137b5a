"""Newsletter e-mails as background tasks (README "Background tasks").

The editor's "send" click queues the mailing and ``send_queued_mailings``; a worker anywhere runs
``send_due_mailings()``, which any number of workers may run at once (it claims each e-mail
with SKIP LOCKED). ``manage.py send_newsletter`` from cron still sends the daily digest and
anything a failed run left over.

A signup post queues ``record_signup``, which records it and mails the confirmation: the reader's
request does the same work, in the same time, whether the address was new, waiting or confirmed.
"""

from datetime import datetime

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
def record_signup(email, language, consent_text, network, consented_at):
    """A signup from the form, recorded here rather than in the reader's request, then confirmed
    by e-mail when one is due (task arguments are JSON: the time comes as ISO 8601 text).

    The request only queues this task, the same for every address: writing the rows of a new
    address, and talking to the mail server, took it twice as long as a subscribed address's,
    which told anyone who timed the form who is on the list. On an SMTP failure the address's
    next signup sends at once (``signup.send_confirmation`` clears the stamp that would make it
    wait). Returns whether a confirmation was sent.
    """
    subscriber, due = Subscriber.objects.sign_up(
        email, language, consent_text, network=network, consented_at=datetime.fromisoformat(consented_at)
    )
    return due and signup.send_confirmation(subscriber)
