"""Each newsletter e-mail's own return path (VERP), so that a bounce names its delivery.

A message goes out with the envelope sender ``bounces+<delivery>.<signature>@example.com``
(``NEWSLETTER_BOUNCE_ADDRESS`` with a token after a "+"). A mail system that accepts it and
fails later sends its report to that address, and most MTAs deliver any ``bounces+…`` to the
``bounces`` mailbox (Postfix's ``recipient_delimiter = +``, Exim's and Dovecot's equivalents).
The report then says which delivery, hence which subscriber and mailing, without trusting the
addresses written inside it.

The token is signed with Django's signing (``SECRET_KEY``, and ``SECRET_KEY_FALLBACKS`` while
a key is rotated): a report naming a token we did not make is not believed, so nobody can
bounce someone else's address off the list. The signature is lower-case hexadecimal, not
Django's usual base64, because the part before the "@" goes through mail systems that may
change its case.
"""

import re

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac

RETURN_PATH_SALT = "newsletter.return-path"
# 80 bits: a forger has to guess it online, one report per guess.
SIGNATURE_LENGTH = 20


class _ReturnPathSigner(signing.Signer):
    """Django's signer with a signature that survives any change of case."""

    def __init__(self):
        super().__init__(salt=RETURN_PATH_SALT, sep=".", algorithm="sha256")

    def signature(self, value, key=None):
        digest = salted_hmac(self.salt + "signer", value, key or self.key, algorithm=self.algorithm)
        return digest.hexdigest()[:SIGNATURE_LENGTH]


def return_path_for(delivery_id):
    """The envelope sender (``MAIL FROM``) of the e-mail of delivery ``delivery_id``."""
    local, domain = settings.NEWSLETTER_BOUNCE_ADDRESS.rsplit("@", 1)
    return f"{local}+{_ReturnPathSigner().sign(str(delivery_id))}@{domain}"


def _address_pattern():
    local, domain = settings.NEWSLETTER_BOUNCE_ADDRESS.rsplit("@", 1)
    return re.compile(
        rf"(?<![\w.+-]){re.escape(local)}\+([^@\s<>\"';,]+)@{re.escape(domain)}(?![\w-])", re.IGNORECASE
    )


def tokens_in(text):
    """Every token of a return address of ours found in ``text`` (a header's value), signed or not."""
    return _address_pattern().findall(text or "")


def delivery_id_from_token(token):
    """The delivery a token was made for; ``signing.BadSignature`` if we did not make it."""
    value = _ReturnPathSigner().unsign(token.lower())
    if not (value.isascii() and value.isdigit()):
        raise signing.BadSignature("not a delivery number")
    return int(value)
