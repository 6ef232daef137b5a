"""Pacing: the sender's rate limit (``NEWSLETTER_MAX_PER_SECOND``).

A mail server or provider that takes only so many messages a second answers the rest with
temporary refusals, or counts them against the sender; the pacer spaces the messages instead.
``send_due_mailings()`` calls ``Pacer.wait()`` before each one.
"""

import time


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
