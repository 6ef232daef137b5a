"""kawalis.client_address: the one rule for "who is asking", with and without a proxy."""

import pytest

from kawalis.client_address import client_address, network_of, stored_network


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


@pytest.mark.parametrize(
    ("address", "counted", "stored"),
    [
        ("203.0.113.77", "203.0.113.0/24", "203.0.113.0/24"),
        ("::ffff:203.0.113.77", "203.0.113.0/24", "203.0.113.0/24"),  # IPv4 on a dual-stack socket
        ("2001:db8:abcd:12:34::1", "2001:db8:abcd:12::/64", "2001:db8:abcd::/48"),
        ("", "", ""),
        ("not-an-address", "", ""),
    ],
)
def test_an_address_has_one_network_format_counted_at_64_and_kept_at_48(address, counted, stored):
    assert network_of(address) == counted
    assert stored_network(address) == stored
