"""``manage.py purge_comments``: forget what moderation no longer needs (run it daily from cron).

Spam and rejected comments are deleted after ``--days`` (the moderators had time to rescue a
false positive); the network and browser kept for judging abuse are cleared from every comment
after ``--network-days``: past that, they are personal data with no purpose left.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from comments.models import Comment


def positive_days(value):
    try:
        days = int(value)
    except ValueError:
        raise CommandError(f"{value!r} is not a number of days.") from None
    if days < 1:
        raise CommandError("A number of days must be at least 1.")
    return days


class Command(BaseCommand):
    help = "Delete old spam and rejected comments; clear old comments' network and browser."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=positive_days, default=30, help="keep spam/rejected this long")
        parser.add_argument(
            "--network-days", type=positive_days, default=180, help="keep network and browser this long"
        )

    def handle(self, *args, days, network_days, **options):
        now = timezone.now()
        # Hidden comments only: deleting them changes nothing readers see (no cache to invalidate).
        deleted, _per_model = Comment.objects.filter(
            status__in=[Comment.Status.SPAM, Comment.Status.REJECTED],
            created_at__lt=now - timezone.timedelta(days=days),
            replies__isnull=True,
        ).delete()
        cleared = (
            Comment.objects.filter(created_at__lt=now - timezone.timedelta(days=network_days))
            .exclude(ip_network="", user_agent="")
            .update(ip_network="", user_agent="")
        )
        self.stdout.write(
            f"Deleted {deleted} old spam/rejected comments; cleared network and browser of {cleared}."
        )
