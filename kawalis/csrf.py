"""Cross-site request forgery: tokens for the admin, the browser's own word for reader forms.

Two defences, each where it fits:

- **Admin and account forms** keep Django's token (``CsrfViewMiddleware``): those pages are
  personal, never cached, and a token costs nothing there.
- **Reader forms on shared pages** (the comment form and the footer's newsletter signup, on
  every article and list page) carry no token: a token is one reader's secret, and a page that
  holds one cannot be kept by Varnish or a CDN for everyone. ``@cross_origin_protected`` refuses
  a POST that the browser itself says came from another site, as Go 1.25's
  ``CrossOriginProtection`` does: ``Sec-Fetch-Site`` (Fetch Metadata, sent by every browser
  since 2023) must be ``same-origin`` or ``none``; a browser that does not send it sends
  ``Origin`` on every POST, which must be this site. A request with neither header comes from
  no browser (a script, curl), which could send any token anyway: it is not a forgery, and the
  spam defences (honeypot, rate limits, links, duplicates) still apply to it. A page posting the
  form from JavaScript, a plain HTML form without JavaScript, and a form opened a week ago all
  work, and readers get no cookie at all.

``CSRF_FAILURE_VIEW`` answers the token's failures, and ``@cross_origin_protected`` its own,
with the site's page in the reader's language, not Django's bare English 403.
"""

import fnmatch
import functools
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import render

logger = logging.getLogger(__name__)

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
SAME_SITE_VALUES = {"same-origin", "none"}  # "none": typed in the address bar, a bookmark


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else None


def _trusted(origin, request):
    """Whether ``origin`` is this site: the request's own, ``SITE_URL``'s, or a trusted one."""
    own = {_origin(settings.SITE_URL), f"{request.scheme}://{request.get_host()}".lower()}
    if origin in own:
        return True
    return any(fnmatch.fnmatchcase(origin, pattern.lower()) for pattern in settings.CSRF_TRUSTED_ORIGINS)


def cross_origin_problem(request):
    """Why this request is a cross-site forgery, or None when it is not."""
    if request.method in SAFE_METHODS:
        return None
    origin = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        if fetch_site.lower() in SAME_SITE_VALUES:
            return None
        if origin and origin != "null" and _trusted(origin.lower(), request):
            return None  # a trusted sibling origin (CSRF_TRUSTED_ORIGINS)
        return f"Sec-Fetch-Site is {fetch_site}"
    if origin is None:
        return None  # no browser sent this: nothing was forged
    if origin != "null" and _trusted(origin.lower(), request):
        return None
    return f"Origin {origin} is not this site"


def cross_origin_protected(view):
    """For a reader form on pages every reader shares: no CSRF token, cross-site POSTs refused."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        problem = cross_origin_problem(request)
        if problem is not None:
            logger.warning("Refused a cross-site %s to %s: %s", request.method, request.path, problem)
            return _refusal(request, cross_site=True)
        return view(request, *args, **kwargs)

    wrapper.csrf_exempt = True  # this check replaces the token's
    return wrapper


def _refusal(request, cross_site):
    response = render(request, "403_csrf.html", {"cross_site": cross_site}, status=403)
    response["Cache-Control"] = "private, no-store"
    return response


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: a clear, translated 403 (admin and account forms)."""
    return _refusal(request, cross_site=False)
