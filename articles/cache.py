"""One switch that makes every cached reader page stale.

Reader pages (and fragments) are cached under keys that include ``reader_pages_version()``.
Anything that changes what a reader would see (an article published, edited or unpublished, a
comment approved, "see also" changed, breaking news switched) calls
``invalidate_reader_pages()``: the version moves on and every old entry is simply never read
again (it expires on its own). This costs one cache read per page and never lists keys, so it
works the same on local memory and on a Redis shared by many servers.
"""

import time

from django.core.cache import cache

VERSION_KEY = "reader-pages:version"


def reader_pages_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        # A fresh cache (or an evicted key) starts a new generation rather than an old one.
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def invalidate_reader_pages():
    """Call after any change readers must see at once; cheap, safe to call often."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)
