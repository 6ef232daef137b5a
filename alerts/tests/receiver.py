"""The browser's side of RFC 8291, written from the RFC with ``cryptography``: a receiver key
pair, and the decryption of an aes128gcm push message (RFC 8188 framing)."""

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Receiver:
    """A browser's subscription keys: fresh ones, or given (``private_value`` as 32 raw bytes)."""

    def __init__(self, private_value=None, auth_secret=None):
        if private_value is None:
            self.private_key = ec.generate_private_key(ec.SECP256R1())
        else:
            self.private_key = ec.derive_private_key(int.from_bytes(private_value, "big"), ec.SECP256R1())
        self.public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.auth_secret = os.urandom(16) if auth_secret is None else auth_secret

    def keys(self):
        return {"p256dh": b64url(self.public), "auth": b64url(self.auth_secret)}

    def decrypt(self, body):
        salt, rs, idlen = body[:16], int.from_bytes(body[16:20], "big"), body[20]
        sender_public = body[21 : 21 + idlen]
        ciphertext = body[21 + idlen :]
        assert rs >= 18 and len(ciphertext) <= rs  # one record
        sender = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sender_public)
        ecdh_secret = self.private_key.exchange(ec.ECDH(), sender)
        prk_key = hmac.new(self.auth_secret, ecdh_secret, hashlib.sha256).digest()
        key_info = b"WebPush: info\x00" + self.public + sender_public
        ikm = hmac.new(prk_key, key_info + b"\x01", hashlib.sha256).digest()
        prk = hmac.new(salt, ikm, hashlib.sha256).digest()
        cek = hmac.new(prk, b"Content-Encoding: aes128gcm\x00\x01", hashlib.sha256).digest()[:16]
        nonce = hmac.new(prk, b"Content-Encoding: nonce\x00\x01", hashlib.sha256).digest()[:12]
        padded = AESGCM(cek).decrypt(nonce, ciphertext, None)
        unpadded = padded.rstrip(b"\x00")
        assert unpadded.endswith(b"\x02")  # the last record's delimiter (RFC 8188 section 2)
        return unpadded[:-1]
