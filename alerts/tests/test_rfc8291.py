"""The payload encryption held to the example of RFC 8291 (section 5; Appendix A gives its
intermediate values): the encryption alerts are sent with (``alerts.push.encrypt``, which
``build_request`` calls) reproduces the RFC's message byte for byte from the RFC's keys and salt,
and the test's browser side (``receiver.py``) decrypts the RFC's message to its plaintext."""

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from alerts.push import b64url_decode, encrypt

from .receiver import Receiver

# RFC 8291 section 5 and Appendix A, base64url without padding, the RFC's line breaks removed.
PLAINTEXT = b"When I grow up, I want to be a watermelon"
UA_PRIVATE = "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94"
UA_PUBLIC = "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4"
AUTH_SECRET = "BTBZMqHH6r4Tts7J_aSIgg"
AS_PRIVATE = "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw"
AS_PUBLIC = "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8"
SALT = "DGv6ra1nlYgDCS1FRnbzlw"
BODY = (
    "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27ml"
    "mlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPT"
    "pK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN"
)


def private_key(text):
    return ec.derive_private_key(int.from_bytes(b64url_decode(text), "big"), ec.SECP256R1())


def public_bytes(key):
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def test_the_vector_s_key_pairs_agree():
    assert public_bytes(private_key(UA_PRIVATE)) == b64url_decode(UA_PUBLIC)
    assert public_bytes(private_key(AS_PRIVATE)) == b64url_decode(AS_PUBLIC)


def test_encryption_reproduces_the_rfc_message_byte_for_byte():
    body = encrypt(
        PLAINTEXT,
        b64url_decode(UA_PUBLIC),
        b64url_decode(AUTH_SECRET),
        salt=b64url_decode(SALT),
        server_key=private_key(AS_PRIVATE),
    )
    assert body == b64url_decode(BODY)


def test_the_test_receiver_decrypts_the_rfc_message():
    receiver = Receiver(private_value=b64url_decode(UA_PRIVATE), auth_secret=b64url_decode(AUTH_SECRET))
    assert receiver.public == b64url_decode(UA_PUBLIC)
    assert receiver.decrypt(b64url_decode(BODY)) == PLAINTEXT


def test_a_fresh_salt_and_server_key_for_every_message():
    receiver = Receiver()
    first, second = (encrypt(PLAINTEXT, receiver.public, receiver.auth_secret) for _ in range(2))
    assert first[:16] != second[:16]  # the salt
    assert first[21:86] != second[21:86]  # the server's ephemeral public key
    assert receiver.decrypt(first) == receiver.decrypt(second) == PLAINTEXT
