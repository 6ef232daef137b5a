"""Making cached reader pages stale: by tag, after the transaction commits.

A change moves on the versions of the tags it touches once the transaction that made it has
committed (``transaction.on_commit``): a reader arriving before the commit still reads the old
data and may store it, but under the old versions, which the change then leaves behind. Before,
the reader could store the old data under the new state, and it stayed for the page's lifetime.
Outside a transaction (a command, the shell) the versions move at once.
"""

import logging

from django.db import transaction

from . import front
from .store import check_tag, get_store

logger = logging.getLogger(__name__)


def invalidate(*tags, using=None):
    """Make stale, once the current transaction commits, every cached entry showing ``tags``."""
    names = _checked(tags)
    if names:
        after_commit(Bump(names), using)


def invalidate_at(when, *tags, using=None):
    """Make stale, at ``when`` (an aware datetime), every cached entry showing ``tags``: what
    comes by the clock, as a scheduled story appearing in the lists. Recorded once the current
    transaction commits; the first read after ``when``, in any process, makes them stale (and
    purges them from a cache in front), and no page is kept in front past ``when``."""
    names = _checked(tags)
    if names:
        after_commit(BumpAt(names, when), using)


def _checked(tags):
    return tuple(dict.fromkeys(check_tag(name) for name in tags))


def after_commit(bump, using):
    transaction.on_commit(bump, using=using)


class Bump:
    """Moves the tags' versions on, then purges them from the front cache if there is one (a
    callable, so that tests can tell these callbacks apart)."""

    def __init__(self, names):
        self.names = names

    def __call__(self):
        try:
            get_store().bump(self.names)
        except Exception:
            # The change is committed; the cache could not be told. Pages showing it stay as
            # they were until they expire (READER_CACHE_SECONDS).
            logger.exception("Could not invalidate the readers' cache for %s", ", ".join(self.names))
        front.purge_after_commit(self.names)  # after the store: a refetch gets the new page


class BumpAt(Bump):
    """Records ``names`` to be made stale at ``when`` (a Bump for the tests' commit handling)."""

    def __init__(self, names, when):
        super().__init__(names)
        self.when = when

    def __call__(self):
        try:
            get_store().make_stale_at(self.when.timestamp(), self.names)
        except Exception:
            logger.exception("Could not schedule the readers' cache for %s", ", ".join(self.names))
