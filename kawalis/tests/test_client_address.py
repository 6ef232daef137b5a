"""kawalis.client_address: the one rule for "who is asking", with and without a proxy."""

import pytest

from kawalis.client_address import client_address


@pytest.mark.parametrize(
    ("behind_proxy", "header", "meta", "expected"),
    [
        (False, "", {"REMOTE_ADDR": "203.0.113.7"}, "203.0.113.7"),
        # Without a proxy, a forwarded header is the client's own claim: ignored.
        (False, "", {"REMOTE_ADDR": "203.0.113.7", "HTTP_X_FORWARDED_FOR": "1.1.1.1"}, "203.0.113.7"),
        # Behind ours: the last hop (what our proxy saw), never the forged first ones.
        (
            True,
            "",
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 203.0.113.9"},
            "203.0.113.9",
        ),
        (True, "", {"REMOTE_ADDR": "10.0.0.2"}, "10.0.0.2"),
        (
            False,
            "HTTP_X_REAL_IP",
            {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_REAL_IP": "2001:db8::5"},
            "2001:db8::5",
        ),
        (False, "HTTP_X_REAL_IP", {"REMOTE_ADDR": "10.0.0.2"}, "10.0.0.2"),
        # Garbage is nobody's address.
        (False, "", {"REMOTE_ADDR": "not-an-address"}, ""),
        (True, "", {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "1.1.1.1, <script>"}, ""),
    ],
)
def test_client_address(rf, settings, behind_proxy, header, meta, expected):
    settings.BEHIND_PROXY = behind_proxy
    settings.CLIENT_IP_HEADER = header
    request = rf.get("/")
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)
    assert client_address(request) == expected
