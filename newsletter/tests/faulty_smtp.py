"""A small SMTP server on 127.0.0.1 that fails on purpose, message by message.

The test sink (kawalis/tests/smtp_sink.py, aiosmtpd) reads a whole message before any code of
ours sees it, so it cannot cut one in the middle; this server reads the protocol line by line
and can. ``faults`` maps the number of a transaction (1 for the first ``MAIL FROM`` the server
receives, over all its connections) to what goes wrong in it:

- ``"drop-mid-data"``: after the first line of the message, the connection is closed (the
  final ``.`` never read): nothing is delivered;
- ``"421-at-mail"``: ``MAIL FROM`` is answered ``421`` and the connection closed;
- ``"421-at-mail-left-open"``: the same answer, but the connection left open (a server slow to
  close it): a client that keeps using it after a 421 shows in ``sessions``;
- ``"421-after-dot"``: the whole message is read, then ``421`` and the connection closed:
  nothing is delivered;
- ``"silent-after-dot"``: the whole message is read and kept (delivered), and never answered.

``delivered`` lists ``(recipient, message bytes)`` of every message the server took;
``sessions`` counts connections.
"""

import socketserver
import threading

from kawalis.tests.smtp_sink import free_port


class _Session(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(f"{line}\r\n".encode())
        self.wfile.flush()

    def handle(self):
        server = self.server.owner
        with server.lock:
            server.sessions += 1
        self.reply("220 127.0.0.1 faulty test server")
        recipients, fault = [], None
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250-127.0.0.1\r\n250 8BITMIME" if command.startswith("EHLO") else "250 127.0.0.1")
            elif command.startswith("MAIL"):
                with server.lock:
                    server.transactions += 1
                    fault = server.faults.get(server.transactions)
                if fault in {"421-at-mail", "421-at-mail-left-open"}:
                    self.reply("421 127.0.0.1 closing the channel")
                    if fault == "421-at-mail":
                        return
                    continue
                recipients = []
                self.reply("250 OK")
            elif command.startswith("RCPT"):
                recipients.append(line.decode().split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif command == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                if not self._data(server, recipients, fault):
                    return
            elif command == "RSET":
                recipients = []
                self.reply("250 OK")
            elif command == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("250 OK")

    def _data(self, server, recipients, fault):
        """Read one message; False when the session ends with it."""
        lines = []
        while True:
            line = self.rfile.readline()
            if not line:
                return False
            if fault == "drop-mid-data":
                return False  # the rest, with its ".", left unread: the connection closes
            if line == b".\r\n":
                break
            lines.append(line[1:] if line.startswith(b"..") else line)
        if fault == "421-after-dot":
            self.reply("421 127.0.0.1 closing the channel")
            return False
        with server.lock:
            server.delivered.extend((recipient, b"".join(lines)) for recipient in recipients)
        if fault == "silent-after-dot":
            while self.rfile.readline():  # taken, never answered, until the client goes away
                pass
            return False
        self.reply("250 OK queued")
        return True


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FaultySMTPServer:
    """``with FaultySMTPServer(faults={2: "drop-mid-data"}) as server: ... server.delivered``"""

    def __init__(self, faults=None):
        self.port = free_port()
        self.faults = dict(faults or {})
        self.delivered = []
        self.sessions = 0
        self.transactions = 0
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", self.port), _Session)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def recipients(self):
        with self.lock:
            return [recipient for recipient, _message in self.delivered]

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()
