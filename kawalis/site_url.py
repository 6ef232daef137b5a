"""Absolute addresses of the site's own pages: always from SITE_URL, never from the request.

A page cached for every reader (canonical link, Open Graph, JSON-LD, share buttons), a feed, a
sitemap or an e-mail must not carry the Host header of whichever request rendered it first: one
request for ``Host: localhost`` (or a trailing dot, or a forged X-Forwarded-Proto) would
otherwise give every later reader links to that host.
"""

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(path):
    """``path`` (``/ar/...``, or already absolute) as an absolute URL on SITE_URL."""
    if urlsplit(path).scheme:
        return path
    return f"{settings.SITE_URL}/{path.lstrip('/')}"
