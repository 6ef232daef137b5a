"""What a browser may subscribe with: the strict check of ``PushSubscription.toJSON()``.

The site later POSTs to whatever endpoint a reader sent, so the endpoint must be an https URL on
a known push service (``ALERTS_PUSH_SERVICES``), and the keys must be what RFC 8291 says they
are: ``p256dh`` an uncompressed P-256 point (65 bytes, on the curve), ``auth`` 16 bytes, both
base64url. Anything else is refused with a message that says which part is wrong.
"""

import binascii
import fnmatch
import json
import re

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.utils.translation import gettext as _

from kawalis.site_url import browser_url

from .push import b64url_decode

MAX_BODY_BYTES = 4096
MAX_ENDPOINT_CHARACTERS = 2000
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+={0,2}")


class InvalidSubscription(ValueError):
    """The posted subscription is not one the site can push to; ``str()`` says why."""


def _key(keys, name, length):
    value = keys.get(name)
    if not isinstance(value, str) or not _BASE64URL.fullmatch(value):
        raise InvalidSubscription(_("The key “%(name)s” must be base64url text.") % {"name": name})
    try:
        raw = b64url_decode(value)
    except (binascii.Error, ValueError) as error:
        raise InvalidSubscription(_("The key “%(name)s” must be base64url text.") % {"name": name}) from error
    if len(raw) != length:
        raise InvalidSubscription(
            _("The key “%(name)s” must be %(length)s bytes long.") % {"name": name, "length": length}
        )
    return value.rstrip("="), raw


def push_service_allowed(host):
    host = (host or "").lower()
    return any(fnmatch.fnmatchcase(host, pattern.lower()) for pattern in settings.ALERTS_PUSH_SERVICES)


def parse_subscription(body):
    """``(endpoint, p256dh, auth)`` from a posted JSON body, or InvalidSubscription."""
    if len(body) > MAX_BODY_BYTES:
        raise InvalidSubscription(_("The subscription is too long."))
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidSubscription(_("Send the subscription as JSON.")) from error
    if not isinstance(data, dict):
        raise InvalidSubscription(_("Send the subscription as JSON."))
    endpoint = parse_endpoint(data.get("endpoint"))
    keys = data.get("keys")
    if not isinstance(keys, dict):
        raise InvalidSubscription(_("The subscription has no keys."))
    p256dh, point = _key(keys, "p256dh", 65)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as error:
        raise InvalidSubscription(_("The key “p256dh” is not a P-256 public key.")) from error
    auth, _raw = _key(keys, "auth", 16)
    return endpoint, p256dh, auth


def parse_endpoint(endpoint):
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > MAX_ENDPOINT_CHARACTERS:
        raise InvalidSubscription(_("The subscription's endpoint must be an https address."))
    url = browser_url(endpoint)
    if url is None or url.protocol != "https:" or not url.hostname or url.username or url.password:
        raise InvalidSubscription(_("The subscription's endpoint must be an https address."))
    if url.href != endpoint:
        # Only the canonical form: what is stored is exactly what will be requested.
        raise InvalidSubscription(_("The subscription's endpoint must be an https address."))
    if not push_service_allowed(url.hostname):
        raise InvalidSubscription(_("This push service is not accepted."))
    return endpoint
