"""The address a request came from, as far as we can trust it: one rule for the whole site.

Rate limits (comments, newsletter signups, admin logins), view counting and the truncated
addresses kept with comments and consents all ask here, so a site behind a proxy never
mistakes the proxy for every reader at once. The truncation is here too (``network_of``,
``stored_network``): one format, ``203.0.113.0/24``, wherever a network is counted or kept.
"""

import ipaddress

from django.conf import settings


def client_address(request):
    """The client's IP address, or "" when what we are given is not one.

    - ``CLIENT_IP_HEADER`` set (e.g. ``HTTP_X_REAL_IP``): the proxy in front of us overwrites
      that header with the address it saw, so it is the client's.
    - ``BEHIND_PROXY``: REMOTE_ADDR is the proxy; the client is the last address the proxy
      appended to X-Forwarded-For. Earlier entries are whatever the client chose to send, so
      they are never trusted.
    - otherwise REMOTE_ADDR.
    """
    raw = ""
    if settings.CLIENT_IP_HEADER:
        raw = request.META.get(settings.CLIENT_IP_HEADER, "").split(",")[0]
    elif settings.BEHIND_PROXY:
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        raw = hops[-1] if hops else ""
    return normalized_address(raw.strip() or request.META.get("REMOTE_ADDR", ""))


def normalized_address(raw):
    """``raw`` as one canonical text (``2001:db8::1`` however it was written), or "" when it is
    not an IP address."""
    ip = _parsed(raw)
    return "" if ip is None else str(ip)


def _parsed(raw):
    """``raw`` as an address, or None. An IPv4-mapped IPv6 address (``::ffff:203.0.113.7``, what
    a dual-stack socket reports for an IPv4 client) is the IPv4 address it carries: one reader,
    one form, whichever socket they came through."""
    try:
        ip = ipaddress.ip_address((raw or "").strip())
    except ValueError:
        return None
    return ip.ipv4_mapped if ip.version == 6 and ip.ipv4_mapped else ip


# How far an address is truncated, and why IPv6 has two sizes. A /24 of IPv4 is a neighbourhood
# (an office, a street of one provider). A /64 of IPv6 is one line: providers give each home or
# phone a /64 at least, and every address in it is its owner's to use, so the /64 is what a rate
# limit must count, but keeping it would keep personal data. What is kept is the /48, the
# largest block a provider hands one customer (most get a /56 or a /64 out of it).
IPV4_NETWORK_PREFIX = 24
IPV6_NETWORK_PREFIX = 64
IPV6_STORED_PREFIX = 48


def network_of(address, *, ipv6_prefix=IPV6_NETWORK_PREFIX):
    """The network of ``address`` in CIDR form (``203.0.113.0/24``, ``2001:db8:1:2::/64``), or ""
    when ``address`` is not an IP address. The network rate limits count (``kawalis/ratelimit.py``)."""
    ip = _parsed(address)
    if ip is None:
        return ""
    prefix = IPV4_NETWORK_PREFIX if ip.version == 4 else ipv6_prefix
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def stored_network(address):
    """What the site keeps of an address (a comment's network, a signup's consent record): its
    /24 (IPv4) or /48 (IPv6) in CIDR form, or "". No longer the reader's own line."""
    return network_of(address, ipv6_prefix=IPV6_STORED_PREFIX)
