"""A real SMTP server on 127.0.0.1 that keeps what it receives: for tests and benchmarks.

It speaks SMTP over TCP (aiosmtpd), so the code under test sends mail exactly as it does in
production; only the far end is ours. ``refuse(address, code)`` makes it answer an error for
one recipient (e.g. 451 temporary, 550 permanent), to exercise retries and bounces;
``pipelining=True`` (or ``sink.pipelining = True``) advertises RFC 2920 PIPELINING.
``accepted`` lists every recipient taken at RCPT, including those of messages never finished.

Run ``python -m kawalis.tests.smtp_sink 2525`` to watch a development site's e-mails in a terminal.
"""

import email
import email.policy
import socket
import sys
import threading
import time

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.sink.pipelining:
            # aiosmtpd reads commands in order anyway; advertising lets clients pipeline them.
            responses.insert(len(responses) - 1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        code = self.sink.refusals.get(address.lower())
        if code:
            return f"{code} Recipient refused by the test sink"
        envelope.rcpt_tos.append(address)
        with self.sink._lock:
            self.sink.accepted.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.sink._store(envelope)
        return "250 Message accepted for delivery"


class SMTPSink:
    """``with SMTPSink() as sink: ... sink.messages`` (parsed ``email.message.EmailMessage``)."""

    def __init__(self, port=None, keep_messages=True, pipelining=False):
        self.port = port or free_port()
        self.keep_messages = keep_messages
        self.pipelining = pipelining
        self.refusals = {}
        self.messages = []
        self.envelopes = []
        # Every recipient accepted at RCPT, finished or not: a message whose sender vanished
        # before the final "." shows here and nowhere else.
        self.accepted = []
        self.count = 0
        self._lock = threading.Lock()
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)

    def _store(self, envelope):
        with self._lock:
            self.count += len(envelope.rcpt_tos)
            if self.keep_messages:
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                self.messages.append(message)
                self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))

    def refuse(self, address, code=550):
        self.refusals[address.lower()] = code

    def clear(self):
        with self._lock:
            self.messages.clear()
            self.envelopes.clear()
            self.accepted.clear()
            self.count = 0

    def wait_for(self, count, timeout=10.0):
        """Wait until ``count`` messages arrived (delivery is synchronous, this is a safety net)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.count >= count:
                return True
            time.sleep(0.01)
        return False

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def main(argv):
    port = int(argv[1]) if len(argv) > 1 else 2525
    with SMTPSink(port=port, keep_messages=True) as sink:
        print(f"SMTP sink on 127.0.0.1:{port} (EMAIL_URL=smtp://127.0.0.1:{port}); Ctrl-C to stop")
        seen = 0
        try:
            while True:
                time.sleep(0.5)
                for message in sink.messages[seen:]:
                    print(f"--- to {message['To']}: {message['Subject']}")
                seen = len(sink.messages)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main(sys.argv)
