"""``manage.py send_newsletter``: send every due digest and newsletter, with a progress bar.

SIGTERM (a service manager stopping it, a deploy) and Ctrl-C end the run after the message in
hand, with its summary and exit status 0; the next run sends the rest. Only SIGKILL can stop it
inside a message (see ``newsletter.sending``).
"""

import signal

from django.core.management.base import BaseCommand, CommandError

from kawalis.sending_runs import stop_on
from newsletter.sending import send_due_mailings
from newsletter.smtp import SendingError


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
        stop_requested = []
        try:
            with stop_on(signal.SIGTERM, signal.SIGINT, then=lambda: stop_requested.append(True)):
                report = send_due_mailings(
                    progress=progress, per_second=rate, should_stop=lambda: bool(stop_requested)
                )
        except SendingError as error:
            raise CommandError(str(error)) from error
        if progress:
            self.stdout.write("")
        self.stdout.write(str(report))

    def _draw_bar(self, done, total, width=30):
        filled = int(width * done / total) if total else width
        self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", ending="")
        self.stdout.flush()
