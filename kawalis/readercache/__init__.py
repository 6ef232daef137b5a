"""The readers' cache: parts, fragments and whole pages, made stale by tag after each commit.

What other apps use:

- ``tag(*names)``: what is being rendered shows these (``"article:42"``, ``"breaking"``...);
  ``{% shows "article" article.pk %}`` in a template;
- ``invalidate(*names)``: after the transaction commits, whatever shows these is stale;
- ``invalidate_at(when, *names)``: the same, at a time to come (a scheduled story);
- ``cached(request, name, *vary, compute=...)``: data a view needs, cached for readers;
- ``{% readercache "name" vary... %}…{% endreadercache %}``: a fragment of HTML;
- ``@cache_page``: whole pages (``pages.py``), and ``ReaderPageMiddleware`` that answers them
  before sessions and URL resolving;
- ``hole(pattern, genuine)``: a per-reader string in cached HTML, filled for each reader.

The store behind it (``store.py``) is Redis when ``REDIS_URL`` is set and otherwise the SQLite
file that every process of the machine shares: a change made by any process (a web worker,
a command, the task worker) is seen by the next request of every other. No models here.
"""

from .holes import hole
from .invalidation import invalidate, invalidate_at
from .parts import SITE_TAG, applies, cached, fragment, shared, tag
from .store import get_store

__all__ = [
    "SITE_TAG",
    "applies",
    "cached",
    "fragment",
    "get_store",
    "hole",
    "invalidate",
    "invalidate_at",
    "shared",
    "tag",
]
