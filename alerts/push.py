"""Web Push, the sending side: VAPID (RFC 8292), the payload's encryption (RFC 8291, aes128gcm of
RFC 8188) and the request to the push service (RFC 8030).

Encryption and signing are the maintained libraries' (``http_ece``, called as pywebpush's
``WebPusher.encode`` calls it, but with the salt and key as parameters: see ``encrypt``;
``py_vapid``'s ``Vapid02``); the HTTP request is ours, on ``http.client``, for one reason: like
the newsletter's SMTP session (``newsletter/smtp.py``) it can hold the request's last byte. A
push service acts on a request only once it has read all of it (its ``Content-Length``); until
then a dropped connection leaves it nothing, so the sender can record "uncertain" before the
push service can accept (``alerts/sending.py``). Nothing in pywebpush's
``requests`` transport allows that.
"""

import base64
import functools
import http.client
import json
import os
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid02

# Seconds a push service may take to answer (connecting, then the answer to the last byte).
TIMEOUT = 10
# A kept-alive connection idle longer than this is replaced before use: push services close
# idle connections, and a request sent into a closing one is lost for nothing.
IDLE_SECONDS = 15
# VAPID tokens may live 24 hours (RFC 8292 section 2); ours live 12, well inside.
TOKEN_SECONDS = 12 * 3600


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def enabled():
    """Push alerts are on when the site has a VAPID private key."""
    return bool(settings.VAPID_PRIVATE_KEY)


@functools.cache
def _vapid(private_key):
    if "-----BEGIN" in private_key:
        return Vapid02.from_pem(private_key.encode())
    return Vapid02.from_string(private_key)


def vapid():
    """The site's VAPID signer (``VAPID_PRIVATE_KEY``: base64url raw or DER, or PEM)."""
    return _vapid(settings.VAPID_PRIVATE_KEY)


def application_server_key():
    """The public key browsers subscribe with (``applicationServerKey``), base64url.

    ``VAPID_PUBLIC_KEY`` when set (it must match the private key), else derived from it.
    """
    if settings.VAPID_PUBLIC_KEY:
        return settings.VAPID_PUBLIC_KEY
    raw = vapid().public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


def new_key_pair():
    """A fresh VAPID key pair as ``(private, public)`` base64url strings (raw 32 and 65 bytes)."""
    signer = Vapid02()
    signer.generate_keys()
    number = signer.private_key.private_numbers().private_value
    public = signer.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(number.to_bytes(32, "big")), b64url(public)


def origin_of(endpoint):
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def authorization(endpoint, now=None):
    """The ``Authorization: vapid t=…, k=…`` header for a push to ``endpoint``."""
    claims = {
        "aud": origin_of(endpoint),
        "exp": int(now or time.time()) + TOKEN_SECONDS,
        "sub": settings.VAPID_SUBJECT,
    }
    return vapid().sign(claims)["Authorization"]


@dataclass
class PushRequest:
    endpoint: str
    headers: dict
    body: bytes


def encrypt(data, receiver_public, auth_secret, *, salt=None, server_key=None):
    """``data`` encrypted for one subscription (RFC 8291): the aes128gcm body, one record.

    ``receiver_public`` and ``auth_secret`` are the subscription's ``p256dh`` and ``auth``, as
    bytes. Every message gets a fresh ``salt`` and a fresh ephemeral ECDH ``server_key``; both are
    parameters only so that a test can reproduce the RFC's example (its section 5) byte for byte.
    """
    if server_key is None:
        server_key = ec.generate_private_key(ec.SECP256R1())
    return http_ece.encrypt(
        data,
        salt=os.urandom(16) if salt is None else salt,
        private_key=server_key,
        dh=receiver_public,
        auth_secret=auth_secret,
        version="aes128gcm",
    )


def build_request(subscription_info, message, *, ttl, topic=""):
    """The encrypted POST for one subscription: ``message`` (a dict) as JSON, aes128gcm."""
    data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
    keys = subscription_info["keys"]
    body = encrypt(data, b64url_decode(keys["p256dh"]), b64url_decode(keys["auth"]))
    headers = {
        "Authorization": authorization(subscription_info["endpoint"]),
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        "Content-Length": str(len(body)),
        "TTL": str(ttl),
        # Breaking news: wake the device (RFC 8030 section 5.3).
        "Urgency": "high",
    }
    if topic:
        # A newer message of the same topic replaces one still waiting (RFC 8030 section 5.4).
        headers["Topic"] = topic
    return PushRequest(subscription_info["endpoint"], headers, body)


class NotAnswered(Exception):
    """The push service closed or reset the connection before answering: it kept nothing."""


class Unconfirmed(Exception):
    """No answer within ``TIMEOUT`` after the last byte: the push service may have the message."""


class PushConnections:
    """Kept-alive HTTPS connections, one per push service, that send a request in two steps:
    ``transmit`` (everything but the last byte) and ``finish`` (the last byte, then the answer)."""

    def __init__(self):
        self._connections = {}  # origin -> (connection, last used)
        self._context = ssl.create_default_context()
        self._current = None

    def transmit(self, request):
        parts = urlsplit(request.endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
        connection, used = self._connections.get(origin, (None, 0.0))
        if connection is not None and time.monotonic() - used > IDLE_SECONDS:
            connection.close()
            connection = None
        if connection is None:
            connection = http.client.HTTPSConnection(
                parts.hostname, parts.port or 443, timeout=TIMEOUT, context=self._context
            )
        self._connections[origin] = (connection, time.monotonic())
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        try:
            connection.putrequest("POST", path, skip_accept_encoding=True)
            for name, value in request.headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            connection.send(request.body[:-1])
        except (OSError, http.client.HTTPException):
            self.drop(origin)
            raise
        self._current = (origin, connection, request.body[-1:])

    def finish(self):
        """Send the last byte and read the answer: ``(status, headers)``."""
        origin, connection, last = self._current
        self._current = None
        try:
            connection.send(last)
        except OSError as error:
            self.drop(origin)
            raise NotAnswered(f"the connection was lost before the end of the request: {error}") from error
        try:
            response = connection.getresponse()
            response.read()
        except TimeoutError as error:
            self.drop(origin)
            raise Unconfirmed(f"no answer within {TIMEOUT} s") from error
        except (OSError, http.client.HTTPException) as error:
            self.drop(origin)
            raise NotAnswered(f"the connection was closed without an answer: {error!r}") from error
        if response.will_close:
            self.drop(origin)
        else:
            self._connections[origin] = (connection, time.monotonic())
        return response.status, response.headers

    def drop(self, origin):
        connection, _used = self._connections.pop(origin, (None, 0.0))
        if connection is not None:
            connection.close()

    def close(self):
        for origin in list(self._connections):
            self.drop(origin)
