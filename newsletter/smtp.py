"""The sender's SMTP session: one connection, each message held back before its final ``.``.

``SMTPConnection.transmit()`` sends ``MAIL FROM``, ``RCPT TO``, ``DATA`` and the message (the
three commands in one write when the server offers RFC 2920 pipelining), everything but the
line that ends the data; ``finish()`` sends that line and returns the server's answer. The
caller records the delivery in between: ``newsletter.sending`` explains why, and what it means
when a sender is killed. A refusal is an exception the caller acts on: ``TemporaryFailure``
(4xx or a dropped connection: try again later) or ``PermanentFailure`` (5xx: the address
bounces); ``SendingError`` when the server cannot be reached at all.

How ``finish()`` reads the end of a message (RFC 5321 4.1.1.4: the server takes
responsibility for a message only when it answers the final ``.`` with 250):

- the ``.`` could not be written, or the server closed or reset the connection without
  answering it: ``NotDelivered``, the server kept nothing, send it again;
- the ``.`` was written and no answer came within ``EMAIL_TIMEOUT``: ``Unconfirmed``. The server
  may have the message (it may be slow, or frozen, and go on later), so it is not sent again:
  a reader mailed twice is worse than one missing digest;
- an answer: returned. A ``421`` (or any reply in which the server says it is closing) ends the
  session, as RFC 5321 3.8 says it does: the next message opens a new connection.
"""

import contextlib
import re
import smtplib
import socket

from django.conf import settings


class SendingError(Exception):
    """The run cannot go on (SMTP server unreachable, login refused); nothing was marked sent."""


class TemporaryFailure(Exception):
    """4xx or a dropped connection: try this e-mail again later."""


class PermanentFailure(Exception):
    """5xx: the server will never take this e-mail; the address bounces."""


class NotDelivered(TemporaryFailure):
    """The session ended before the server answered the final ``.``: it kept nothing."""


class Unconfirmed(Exception):
    """The final ``.`` was written and the server never answered it: it may have the message."""


# RFC 5321 3.8: "421 Service not available, closing transmission channel", at any point.
CLOSING_CODE = 421


def failure_from_reply(code, response):
    """The exception for an SMTP refusal: ``PermanentFailure`` for 5xx, else ``TemporaryFailure``."""
    text = f"{code} {response.decode(errors='replace') if isinstance(response, bytes) else response}"
    return PermanentFailure(text) if 500 <= code < 600 else TemporaryFailure(text)


class SMTPConnection:
    """One SMTP session that can stop a message just before its final ``.`` (see the module)."""

    def __init__(self):
        self.smtp = None

    def open(self):
        if self.smtp is not None:
            return
        kind = smtplib.SMTP_SSL if settings.EMAIL_USE_SSL else smtplib.SMTP
        timeout = getattr(settings, "EMAIL_TIMEOUT", None) or 30
        try:
            smtp = kind(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=timeout)
            # The final "." goes out as its own small write after the message (see ``finish()``);
            # without TCP_NODELAY, Nagle's algorithm holds it until the server's delayed ACK.
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            smtp.ehlo_or_helo_if_needed()
            if settings.EMAIL_USE_TLS:
                smtp.starttls()
                smtp.ehlo()
            if settings.EMAIL_HOST_USER:
                smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
        except (smtplib.SMTPException, OSError) as error:
            raise SendingError(
                f"cannot reach the SMTP server {settings.EMAIL_HOST}:{settings.EMAIL_PORT}: {error}"
            ) from error
        self.smtp = smtp

    def close(self):
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (smtplib.SMTPException, OSError):
            self.smtp.close()
        self.smtp = None

    def drop(self):
        """Forget a broken session; the next message reconnects."""
        if self.smtp is not None:
            with contextlib.suppress(OSError):
                self.smtp.close()
        self.smtp = None

    @property
    def is_open(self):
        return self.smtp is not None

    def transmit(self, sender, recipient, data):
        """Everything up to (not including) the final ``.``. Raises Temporary/PermanentFailure."""
        smtp = self.smtp
        if smtp.has_extn("pipelining"):
            # RFC 2920: MAIL, RCPT and DATA in one write, their three answers read after;
            # one round trip instead of three, which is most of the time a message takes.
            smtp.send(f"MAIL FROM:<{sender}>\r\nRCPT TO:<{recipient}>\r\nDATA\r\n".encode())
            replies = [smtp.getreply() for _command in range(3)]
            (mail_code, _), (rcpt_code, _), (data_code, _) = replies
            if data_code == 354 and (mail_code != 250 or rcpt_code not in (250, 251)):
                # A server that opened DATA for nobody: close it empty, it delivers nothing.
                smtp.send(b".\r\n")
                smtp.getreply()
            for code, response in replies[:2]:
                if code not in (250, 251):
                    self._reset(code)
                    raise failure_from_reply(code, response)
            code, response = replies[2]
        else:
            code, response = smtp.mail(sender)
            if code != 250:
                self._reset(code)
                raise failure_from_reply(code, response)
            code, response = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._reset(code)
                raise failure_from_reply(code, response)
            code, response = smtp.docmd("DATA")
        if code != 354:
            self._reset(code)
            raise failure_from_reply(code, response)
        # Dot-stuffing (RFC 5321 4.5.2): a line starting with "." gets a second one.
        data = re.sub(rb"(?m)^\.", b"..", data)
        if not data.endswith(b"\r\n"):
            data += b"\r\n"
        smtp.send(data)

    def finish(self):
        """Send the final ``.``; the server's answer as ``(code, response)``. Raises
        ``NotDelivered`` or ``Unconfirmed`` when there is no answer (see the module)."""
        try:
            self.smtp.send(b".\r\n")
        except (smtplib.SMTPException, OSError) as error:
            self.drop()
            raise NotDelivered(f"the connection broke before the end of the message: {error}") from error
        try:
            code, response = self.smtp.getreply()
        except (smtplib.SMTPException, OSError) as error:
            self.drop()
            # smtplib reports a timeout as a disconnection: the timeout is its cause.
            if isinstance(error, TimeoutError) or isinstance(error.__context__, TimeoutError):
                raise Unconfirmed(f"no answer to the end of the message: {error}") from error
            raise NotDelivered(f"the server closed the connection without answering: {error}") from error
        if code == CLOSING_CODE or code == -1:
            self.drop()  # the server is closing the channel (or spoke no SMTP): never reuse it
        return code, response

    def _reset(self, code=None):
        if code == CLOSING_CODE:
            self.drop()  # RFC 5321 3.8: after a 421 the server closes; the next message reconnects
            return
        try:
            self.smtp.rset()
        except (smtplib.SMTPException, OSError):
            self.drop()
