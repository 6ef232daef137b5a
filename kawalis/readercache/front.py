"""A shared cache in front of the site (Varnish, a CDN): public pages, surrogate keys, purges.

With ``FRONTEND_CACHE`` set (the purge URLs of the Varnish servers in front), a reader page that
holds nothing of one reader is answered as public: ``Cache-Control: public, max-age=0,
s-maxage=N, stale-while-revalidate=M`` (browsers ask again each time, the shared cache keeps it
N seconds: no longer than the page itself is valid here) and ``Surrogate-Key`` with the page's
tags, the header Fastly reads and that the VCL beside this file (``varnish.vcl``) hands to
Varnish's xkey. When a change commits, its tags are purged from every front server right after
the readers' cache moved them on (``invalidation.Bump``), and once more a moment later: a page
that was being fetched while the change committed, and arrived after the first purge, goes too.

Without ``FRONTEND_CACHE`` nothing here runs: pages carry no public caching headers, since no
one would purge a copy kept in front.
"""

import logging
import threading
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

PURGE_HEADER = "xkey-purge"  # where varnish.vcl reads the tags to purge
PURGE_TIMEOUT_SECONDS = 2


def enabled():
    return bool(settings.FRONTEND_CACHE)


def make_public(response, tags, seconds):
    """Let shared caches keep ``response`` for ``seconds`` (at most FRONTEND_CACHE_SECONDS)."""
    seconds = min(int(seconds), settings.FRONTEND_CACHE_SECONDS)
    if seconds <= 0:
        return
    response["Cache-Control"] = (
        f"public, max-age=0, s-maxage={seconds}, stale-while-revalidate={settings.FRONTEND_STALE_SECONDS}"
    )
    response["Surrogate-Key"] = " ".join(sorted(tags))


class _Purge(urllib.request.Request):
    def get_method(self):
        return "PURGE"


def purge(names, urls=None):
    """Drop from every front server (``urls``, else FRONTEND_CACHE's) what shows ``names``;
    failures are logged, never raised."""
    header = " ".join(names)
    for url in settings.FRONTEND_CACHE if urls is None else urls:
        request = _Purge(url, headers={PURGE_HEADER: header, "Host": urlsplit(url).netloc})
        try:
            with urllib.request.urlopen(request, timeout=PURGE_TIMEOUT_SECONDS) as response:  # noqa: S310
                response.read()
        except (OSError, urllib.error.URLError) as error:
            # The change is committed and the readers' cache knows; the copy in front lives on
            # until its s-maxage (FRONTEND_CACHE_SECONDS) runs out.
            logger.error("Could not purge %s from the front cache %s: %s", header, url, error)


def purge_after_commit(names):
    """Purge now, and again after FRONTEND_PURGE_REPEAT_SECONDS (a fetch in flight)."""
    if not enabled():
        return
    urls = list(settings.FRONTEND_CACHE)
    purge(names, urls)
    delay = settings.FRONTEND_PURGE_REPEAT_SECONDS
    if delay > 0:
        timer = threading.Timer(delay, purge, args=(names, urls))
        timer.daemon = False  # a command that committed still purges before it exits
        timer.start()
