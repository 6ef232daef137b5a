"""Absolute addresses of the site's own pages: always from SITE_URL, never from the request.

A page cached for every reader (canonical link, Open Graph, JSON-LD, share buttons), a feed, a
sitemap or an e-mail must not carry the Host header of whichever request rendered it first: one
request for ``Host: localhost`` (or a trailing dot, or a forged X-Forwarded-Proto) would
otherwise give every later reader links to that host.

Whether a link stays on the site is decided as a browser decides it, with the WHATWG URL
parser: ``///evil.example/``, ``/\\evil.example`` or ``/\t/evil.example`` are paths to urllib and
hosts to every browser.
"""

from urllib.parse import urlsplit

import ada_url
from django.conf import settings


def absolute_url(path):
    """``path`` (``/ar/...``, or already absolute) as an absolute URL on SITE_URL."""
    if urlsplit(path).scheme:
        return path
    return f"{settings.SITE_URL}/{path.lstrip('/')}"


def browser_url(link, base=None):
    """``link`` as a browser reads it on one of the site's pages (the WHATWG URL standard), or
    None when a browser would not follow it. ``base``: the page's address (SITE_URL's root)."""
    try:
        return ada_url.URL(link, base=base or f"{settings.SITE_URL}/")
    except ValueError:
        return None


def stays_on_site(link):
    """Whether a browser following ``link`` from one of the site's pages stays on SITE_URL."""
    url, site = browser_url(link), browser_url(settings.SITE_URL)
    return url is not None and url.protocol == site.protocol and url.host == site.host
