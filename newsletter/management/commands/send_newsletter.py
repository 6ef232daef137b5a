"""``manage.py send_newsletter``: send every due digest and newsletter, with a progress bar."""

from django.core.management.base import BaseCommand, CommandError

from newsletter.sending import SendingError, send_due_mailings


class Command(BaseCommand):
    help = "Send the due digest and queued newsletters; safe to run from cron, and several at once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rate",
            type=float,
            default=None,
            help="Messages per second (default: NEWSLETTER_MAX_PER_SECOND).",
        )

    def handle(self, *args, rate=None, **options):
        if rate is not None and rate < 0:
            raise CommandError("--rate must be 0 (no limit) or a positive number of messages per second.")
        progress = self._draw_bar if self.stdout.isatty() else None
        try:
            report = send_due_mailings(progress=progress, per_second=rate)
        except SendingError as error:
            raise CommandError(str(error)) from error
        if progress:
            self.stdout.write("")
        self.stdout.write(str(report))

    def _draw_bar(self, done, total, width=30):
        filled = int(width * done / total) if total else width
        self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
        self.stdout.flush()
