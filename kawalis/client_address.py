"""The address a request came from, as far as we can trust it: one rule for the whole site.

Rate limits (comments, newsletter signups, admin logins), view counting and the truncated
addresses kept with comments and consents all ask here, so a site behind a proxy never
mistakes the proxy for every reader at once.
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
    raw = raw.strip() or request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw.strip()))
    except ValueError:
        return ""
