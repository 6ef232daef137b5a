"""The address a request came from, as far as we can trust it."""

from django.conf import settings


def client_address(request):
    """The client's IP address.

    Behind our own proxy (BEHIND_PROXY) REMOTE_ADDR is the proxy; the client is the last
    address the proxy appended to X-Forwarded-For. Earlier entries are whatever the client
    chose to send, so they are never trusted.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "")
