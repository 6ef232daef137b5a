"""The bounce mailbox, read as a Maildir folder or over IMAP, each message marked once read.

A source is a context manager with ``messages()`` (``(key, raw bytes)`` of each message not
read yet) and ``done(key, usable)`` (mark it read so the next run skips it). ``usable=False``
(a message that is not a report we could use) marks it for a person to look at as well.
Problems with the mailbox itself raise ``MailboxError`` with one line saying what is wrong.
"""

import contextlib
import imaplib
import os
import re
import ssl
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

IMAP_TIMEOUT = 30


class MailboxError(Exception):
    """The mailbox cannot be read (missing folder, unreachable server, refused login)."""


class MaildirSource:
    """A Maildir folder the MTA delivers the bounce address to.

    New messages are in ``new/``; each one read is moved to ``cur/`` with the Maildir flag
    "S" (seen), or "FS" (flagged, seen) when it was not a usable report, the way a mail client
    marks it: a person can still open the folder and see everything. The file is renamed, not
    rewritten, so the message keeps its exact bytes.
    """

    def __init__(self, path):
        self.path = Path(path)

    def __str__(self):
        return f"Maildir {self.path}"

    def __enter__(self):
        missing = [name for name in ("new", "cur", "tmp") if not (self.path / name).is_dir()]
        if missing:
            raise MailboxError(
                f"no Maildir at {self.path}: it needs the folders new/, cur/ and tmp/ "
                f"(missing: {', '.join(missing)})"
            )
        return self

    def __exit__(self, *exc_info):
        return None

    def messages(self):
        with self._filing("list"):
            names = sorted(
                entry.name
                for entry in os.scandir(self.path / "new")
                if entry.is_file() and not entry.name.startswith(".")
            )
        for name in names:
            try:
                with self._filing("read"):
                    raw = (self.path / "new" / name).read_bytes()
            except FileNotFoundError:
                continue  # another reader took it a moment ago
            yield name, raw

    def done(self, key, usable=True):
        flags = "S" if usable else "FS"
        unique = key.split(":", 1)[0]
        # FileNotFoundError: another reader moved it first (its report counted once all the same).
        with contextlib.suppress(FileNotFoundError), self._filing("move"):
            os.rename(self.path / "new" / key, self.path / "cur" / f"{unique}:2,{flags}")

    @contextlib.contextmanager
    def _filing(self, doing):
        """A folder we may not read or write (permissions, a full disk) as one MailboxError line."""
        try:
            yield
        except FileNotFoundError:
            raise
        except OSError as error:
            raise MailboxError(f"cannot {doing} in the Maildir {self.path}: {error}") from error


class ImapSource:
    """An IMAP mailbox, over TLS only: ``imaps://user:password@host[:993]/MAILBOX`` (TLS from
    the start) or ``imap://…[:143]/…`` (STARTTLS, refused if the server does not offer it).

    Messages not yet seen are read (``BODY.PEEK[]`` leaves them unseen until done); each one
    read is flagged ``\\Seen`` (and ``\\Flagged`` when it was not usable), and with
    ``?processed=FOLDER`` a usable one is moved there. The server's certificate is checked
    against the system's authorities (``SSL_CERT_FILE`` names others).
    """

    def __init__(self, url):
        parts = urlsplit(url)
        if parts.scheme not in ("imaps", "imap") or not parts.hostname:
            raise MailboxError("the IMAP address must look like imaps://user:password@host/INBOX")
        self.tls_from_start = parts.scheme == "imaps"
        self.host = parts.hostname
        try:
            self.port = parts.port or (993 if self.tls_from_start else 143)
        except ValueError as error:
            raise MailboxError(f"the IMAP address has a bad port: {error}") from error
        self.user = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.mailbox = unquote(parts.path.lstrip("/")) or "INBOX"
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        self.processed = query.get("processed", "")
        self.client = None
        self.expunge = False

    def __str__(self):
        # Never the URL itself: it holds the password.
        return f"IMAP {self.host}:{self.port}/{self.mailbox}"

    def __enter__(self):
        context = ssl.create_default_context()
        try:
            if self.tls_from_start:
                client = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=IMAP_TIMEOUT)
            else:
                client = imaplib.IMAP4(self.host, self.port, timeout=IMAP_TIMEOUT)
                if "STARTTLS" not in client.capabilities:
                    client.shutdown()
                    raise MailboxError(
                        f"the IMAP server {self.host}:{self.port} offers no STARTTLS: "
                        "the password would cross the network in clear (use imaps://)"
                    )
                client.starttls(ssl_context=context)
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxError(f"cannot reach the IMAP server {self.host}:{self.port}: {error}") from error
        self.client = client
        try:
            try:
                client.login(self.user, self.password)
            except (imaplib.IMAP4.abort, OSError) as error:
                raise MailboxError(f"the IMAP server {self.host}:{self.port} broke off: {error}") from error
            except imaplib.IMAP4.error as error:  # its answer was NO (or BAD)
                raise MailboxError(f"the IMAP server {self.host}:{self.port} refused the login") from error
            with self._talking("open the mailbox"):
                status, _data = client.select(_quoted(self.mailbox))
            if status != "OK":
                raise MailboxError(f"no mailbox {self.mailbox!r} on the IMAP server {self.host}:{self.port}")
            if self.processed:
                with self._talking(f"create the folder {self.processed!r}"):
                    client.create(_quoted(self.processed))  # "NO" when it exists already: fine
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(self, *exc_info):
        self._close()

    def _close(self):
        if self.client is None:
            return
        try:
            # Even after an error of ours: what was copied to the processed folder leaves this one.
            if self.expunge:
                self.client.expunge()
            self.client.logout()
        except (OSError, imaplib.IMAP4.error):
            with contextlib.suppress(OSError):
                self.client.shutdown()
        self.client = None

    def messages(self):
        with self._talking("search the mailbox"):
            status, data = self.client.uid("SEARCH", None, "UNSEEN")
        self._check(status, data, "search the mailbox")
        for uid in data[0].split() if data and data[0] else []:
            with self._talking("fetch a message"):
                status, fetched = self.client.uid("FETCH", uid, "(BODY.PEEK[])")
            self._check(status, fetched, "fetch a message")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if raw is not None:
                yield uid, raw

    def done(self, key, usable=True):
        flags = r"(\Seen)" if usable else r"(\Seen \Flagged)"
        with self._talking("flag a message"):
            self._check(*self.client.uid("STORE", key, "+FLAGS", flags), "flag a message")
            if not (usable and self.processed):
                return
            folder = _quoted(self.processed)
            if "MOVE" in self.client.capabilities:
                self._check(*self.client.uid("MOVE", key, folder), f"move a message to {self.processed!r}")
            else:
                # RFC 3501 without MOVE (RFC 6851): copy, mark deleted, expunge at the end.
                self._check(*self.client.uid("COPY", key, folder), f"copy a message to {self.processed!r}")
                self._check(*self.client.uid("STORE", key, "+FLAGS", r"(\Deleted)"), "flag a message")
                self.expunge = True

    @contextlib.contextmanager
    def _talking(self, doing):
        """A broken connection or an answer imaplib cannot take, as one MailboxError line."""
        try:
            yield
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxError(
                f"the IMAP server {self.host}:{self.port} broke off ({doing}): {error}"
            ) from error

    def _check(self, status, data, doing):
        if status != "OK":
            answer = b" ".join(item for item in data if isinstance(item, bytes)).decode(errors="replace")
            raise MailboxError(f"the IMAP server {self.host}:{self.port} did not let us {doing}: {answer}")


def _quoted(name):
    """A mailbox name as an IMAP quoted string (``imaplib`` sends arguments as they are)."""
    return '"' + re.sub(r'(["\\])', r"\\\1", name) + '"'
