"""What the project's senders share (the newsletter's and the push alerts'): listing the
recipients, pacing, and a run that stops cleanly on SIGTERM / SIGINT.

The pacer is the sender's rate limit (``NEWSLETTER_MAX_PER_SECOND``, ``ALERTS_MAX_PER_SECOND``):
a mail server or push service that takes only so many messages a second answers the rest with
temporary refusals, or counts them against the sender; the pacer spaces the messages instead.
"""

import contextlib
import signal
import threading
import time


def add_deliveries(model, recipient_ids, make, chunk_size):
    """One pending ``model`` row per recipient, ``make(recipient_id)``, inserted a chunk at a
    time (memory stays flat however many there are); rows that exist already are left as they
    are, so that a second run, or two at once, adds each recipient once."""
    chunk = []
    for recipient_id in recipient_ids:
        chunk.append(make(recipient_id))
        if len(chunk) >= chunk_size:
            model.objects.bulk_create(chunk, ignore_conflicts=True)
            chunk = []
    if chunk:
        model.objects.bulk_create(chunk, ignore_conflicts=True)


class Pacer:
    """At most ``per_second`` messages a second (0: no limit); clock and sleep are injectable."""

    def __init__(self, per_second, clock=time.monotonic, sleep=time.sleep):
        self.interval = 1.0 / per_second if per_second and per_second > 0 else 0.0
        self.clock = clock
        self.sleep = sleep
        self.next_slot = None

    def wait(self):
        if not self.interval:
            return
        now = self.clock()
        if self.next_slot is not None and now < self.next_slot:
            self.sleep(self.next_slot - now)
            now = self.next_slot
        self.next_slot = now + self.interval


@contextlib.contextmanager
def stop_on(*signals, then):
    """Call ``then()`` on any of ``signals`` instead of dying; the old handlers come back after.

    Python lets only the main thread set handlers; elsewhere (a command called from a worker's
    thread) the process's own handling stays as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {number: signal.signal(number, lambda _number, _frame: then()) for number in signals}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
