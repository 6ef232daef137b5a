"""Live coverage («تغطية مباشرة») for readers: an article's entries, and what changed since a stamp.

Each change of an entry (posted, corrected, deleted) gives the article's next live stamp
(``Article.live_stamp``, stored on the entry). A reader's page is rendered with the stamp it
shows; its script asks ``/article/<pk>/live/?since=<stamp>`` for what changed after it: the
entries posted or corrected, a tombstone for each one deleted, and the key points. Both the page
and these answers are whole cached pages (``kawalis.readercache``) that carry the tag
``live:<pk>``: an entry makes stale that article's page and answers only, and every reader
asking with the same stamp (all of them, a few seconds after a change) gets one stored answer.
"""

from dataclasses import dataclass, field

from kawalis.readercache import cached, tag

from .embed_fetch import previews
from .embeds import embeds_in
from .models import LiveEntry, live_tag

# Entries a search engine reads in the page's structured data (LiveBlogPosting.liveBlogUpdate).
STRUCTURED_UPDATES = 20
# Seconds between a reader's page asking for changes (the page's script; doubled when the tab is hidden).
POLL_SECONDS = 5


@dataclass
class Coverage:
    """What the article page shows of a live coverage."""

    stamp: int = 0  # the article's live stamp this shows
    entries: list = field(default_factory=list)  # shown entries, newest first

    @property
    def key_points(self):
        return [entry for entry in self.entries if entry.is_key_point]

    @property
    def updated_at(self):
        """The time of the last entry posted or corrected (None: nothing posted yet)."""
        return max((entry.updated_at for entry in self.entries), default=None)


def _with_previews(entries):
    """``entries``, each holding the fetched previews of every embed among them, in every
    language (one copy serves each language's page): one query for the whole list, whatever
    the number of entries with a video or a post."""
    found = [
        embed
        for entry in entries
        if not entry.is_deleted
        for text in entry.texts
        for embed in embeds_in(text)
    ]
    known = previews(list(dict.fromkeys(found)))
    for entry in entries:
        entry.embed_previews = known
    return entries


def coverage(request, article):
    """The live coverage of ``article`` for its page, cached for readers until an entry changes."""

    def compute():
        tag(live_tag(article.pk))
        # One query, deleted entries included, so that the stamp is that of the entries read.
        rows = list(LiveEntry.objects.filter(article_id=article.pk))
        return Coverage(
            stamp=max((row.stamp for row in rows), default=0),
            entries=_with_previews([row for row in rows if not row.is_deleted]),
        )

    return cached(request, "live", article.pk, compute=compute)


@dataclass
class Changes:
    """What changed in a coverage after a stamp: for the page's script."""

    stamp: int
    entries: list  # changed entries, newest first; deleted ones are tombstones
    key_points: list  # every key point now, newest first
    updated_at: object = None


def changes_since(article, since):
    """The entries of ``article`` posted, corrected or deleted after the live stamp ``since``."""
    tag(live_tag(article.pk))
    changed = _with_previews(list(LiveEntry.objects.filter(article_id=article.pk).changed_after(since)))
    # Read after the changes: a key point newer than the stamp comes again next time (the
    # script replaces an entry it holds), none is ever missed.
    key_points = list(LiveEntry.objects.filter(article_id=article.pk, is_key_point=True).shown())
    return Changes(
        stamp=max((row.stamp for row in changed), default=since),
        entries=changed,
        key_points=key_points,
        updated_at=max((row.updated_at for row in changed if not row.is_deleted), default=None),
    )
