"""``manage.py send_alerts``: push every due alert delivery (what a worker's run left).

SIGTERM and Ctrl-C end the run after the push in hand, with its summary and exit status 0; only
SIGKILL can stop it inside a push (see ``alerts.sending``).
"""

import signal

from django.core.management.base import BaseCommand, CommandError

from alerts import push
from alerts.sending import send_due_alerts
from kawalis.sending_runs import stop_on


class Command(BaseCommand):
    help = "Send the queued push alerts; safe to run from cron, and several at once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--rate", type=float, default=None, help="Pushes per second (default: ALERTS_MAX_PER_SECOND)."
        )

    def handle(self, *args, rate=None, **options):
        if rate is not None and rate < 0:
            raise CommandError("--rate must be 0 (no limit) or a positive number of pushes per second.")
        if not push.enabled():
            raise CommandError("Push alerts are off: set VAPID_PRIVATE_KEY (manage.py generate_vapid_keys).")
        stop_requested = []
        with stop_on(signal.SIGTERM, signal.SIGINT, then=lambda: stop_requested.append(True)):
            report = send_due_alerts(per_second=rate, should_stop=lambda: bool(stop_requested))
        self.stdout.write(str(report))
