"""Comment e-mails as background tasks: a reader's post or a moderator's click never waits
for the mail server (README "Background tasks")."""

from django_tasks import task

from . import notifications


@task()
def send_reply_notification(reply_id):
    """Run ``notify_reply`` for an approved reply, by id (task arguments must be JSON)."""
    from .models import Comment

    reply = Comment.objects.select_related("article", "parent").filter(pk=reply_id).first()
    if reply is None:  # deleted before the worker got to it
        return False
    return notifications.notify_reply(reply)


@task()
def send_moderator_notice():
    return notifications.notify_moderators()
