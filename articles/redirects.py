"""Old addresses that keep working: a table of redirects (``Redirect``), served permanently.

Every link Google, Facebook and WhatsApp still send readers to (an imported WordPress site's
permalinks, its ``/?p=123`` form, an old section's address) is a row editors can see and add to
in the admin. ``RedirectMiddleware`` consults it only for an address the site does not answer
(its answer was a 404) and for the WordPress identifiers in a query
(``?p=``, ``?page_id=``...): every other request never touches it. An answer, found or not, is
kept in the readers' cache until the table changes, so a flood of requests for an old link costs
no query.
"""

import posixpath
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from django.http import HttpResponsePermanentRedirect

from kawalis.readercache import shared, tag

# The query parameters WordPress addresses a post, page, section, tag, author or feed with.
WORDPRESS_QUERY_KEYS = frozenset({"p", "page_id", "cat", "tag", "author", "feed", "attachment_id"})
# Where WordPress takes them: "/?p=123", "/index.php?p=123" (our sitemaps' own "?p=2" is not one).
WORDPRESS_ID_PATHS = frozenset({"/", "/index.php"})
NO_REDIRECT = ""  # cached for an address with no redirect


def normalise_path(address):
    """One spelling per old address: percent-escapes decoded, a trailing slash unless the last
    segment is a file ("/feed.xml"), the query reduced to the WordPress identifiers, sorted."""
    parts = urlsplit(address.strip())
    path = unquote(parts.path) or "/"
    if not path.startswith("/"):
        path = f"/{path}"
    if not path.endswith("/") and "." not in posixpath.basename(path):
        path = f"{path}/"
    query = sorted((key, value) for key, value in parse_qsl(parts.query) if key in WORDPRESS_QUERY_KEYS)
    return f"{path}?{urlencode(query)}" if query else path


def target_of(address):
    """Where ``address`` leads now, or None."""
    from .models import REDIRECTS_TAG, Redirect

    old_path = normalise_path(address)

    def compute():
        tag(REDIRECTS_TAG)
        found = Redirect.objects.filter(old_path=old_path).values_list("new_path", flat=True).first()
        return found or NO_REDIRECT

    return shared("redirect", old_path, compute=compute) or None


class RedirectMiddleware:
    """Answers an old address with a permanent redirect to where it leads now."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # "/?p=123": the home page would answer it, so it is looked up first.
        by_id = request.path in WORDPRESS_ID_PATHS and WORDPRESS_QUERY_KEYS & request.GET.keys()
        if by_id and request.method in {"GET", "HEAD"}:
            target = target_of(request.get_full_path())
            if target:
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code == 404 and request.method in {"GET", "HEAD"}:
            target = target_of(request.path)
            if target:
                return HttpResponsePermanentRedirect(target)
        return response
