"""Parts of reader pages: data a view needs and fragments of HTML, cached with their tags.

Whatever renders or computes a part says what it shows with ``tag("article:42")``; the tags of
every part go up to the part around it and to the page, so a page carries the tags of all it
shows. A part read from the cache passes its stored tags up in the same way.

A page rendered again reads its parts as they are reached (the article, the header, "see also",
the comments, the forms...). Each worker remembers which parts a page read last time; the next
render reads them all ahead, in one round trip that on Redis also counts the reader's view of
an article, and the parts are then taken from what was read.
"""

import contextlib
import contextvars
import hashlib
import pickle
import threading
from collections import OrderedDict

from django.conf import settings
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from . import holes
from .store import check_tag, get_store

# Every entry carries this tag: invalidate("site") makes the whole readers' cache stale.
SITE_TAG = "site"
PAGES_REMEMBERED = 5000

_collectors = contextvars.ContextVar("readercache_collectors", default=())
_since = contextvars.ContextVar("readercache_since", default=None)
_ahead = contextvars.ContextVar("readercache_ahead", default=None)


def applies(request):
    """Whether this request may be answered from the readers' cache.

    Staff see drafts, previews and their edits at once: they always bypass it. Anonymous
    readers (the spike) and signed-in non-staff share it. Checking ``is_staff`` reads the
    session only when the request carries a session cookie.
    """
    if request is None:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated and user.is_staff)


def tag(*names):
    """Say that what is being rendered or computed shows ``names`` (``"article:42"``...)."""
    for tags in _collectors.get():
        tags.update(check_tag(name) for name in names)


@contextlib.contextmanager
def collecting():
    """Collect the tags of what is rendered within the block (the set it yields)."""
    tags = {SITE_TAG}
    token = _collectors.set((*_collectors.get(), tags))
    try:
        yield tags
    finally:
        _collectors.reset(token)


@contextlib.contextmanager
def rendering(since):
    """Within the block, parts are stored only if nothing changed since the clock read ``since``
    (read before anything the block shows was read)."""
    token = _since.set(since if _since.get() is None else _since.get())
    try:
        yield
    finally:
        _since.reset(token)


def since():
    """The clock as it was before this render read anything: the outermost render's, or now."""
    known = _since.get()
    return known if known is not None else get_store().clock()


def vary_digest(*vary):
    """A short digest of the values a cached entry varies with."""
    return hashlib.sha256("\x1f".join(str(value) for value in vary).encode()).hexdigest()[:24]


def part_key(name, *vary):
    return f"part:{get_language()}:{name}:{vary_digest(*vary)}"


def _read(key):
    """The current entry under ``key``, from what this render read ahead when it can."""
    ahead = _ahead.get()
    if ahead is not None:
        ahead.keys.append(key)
        if key in ahead.entries:
            entry = ahead.entries[key]
            return entry if entry.current else None
    _clock, found, _counted = get_store().read([key])
    entry = found.get(key)
    return entry if entry is not None and entry.current else None


def _read_or_compute(key, compute, timeout, dump=pickle.dumps, load=pickle.loads, usable=None):
    """``load()`` of the current entry under ``key`` (its tags passed up), or ``compute()`` within
    its own tags, stored as ``dump(value)`` unless something changed meanwhile. ``timeout``:
    seconds, or a function of the value that gives them; ``usable(value)``: False when a stored
    value has expired by the clock."""
    entry = _read(key)
    if entry is not None:
        value = load(entry.payload)
        if usable is None or usable(value):
            tag(*entry.tags)
            return value
    started = since()  # before compute() reads anything
    with collecting() as tags:
        value = compute()
    seconds = timeout(value) if callable(timeout) else timeout
    if seconds > 0:
        get_store().write(key, tags, dump(value), seconds, started)
    return value


def cached(request, name, *vary, compute, timeout=None):
    """``compute()``, or its value cached for readers under ``name`` and ``vary``.

    For data a view needs before it renders (the article it shows, the category). The value
    must pickle without touching the database: model instances, lists, never a QuerySet.
    ``compute`` says with ``tag()`` what the value shows. Staff always get ``compute()``.
    """
    if not applies(request):
        return compute()
    return shared(name, *vary, compute=compute, timeout=timeout)


def shared(name, *vary, compute, timeout=None, usable=None):
    """``compute()``, or its value cached for everyone (readers and the site's own code alike),
    current until what it shows changes (its tags); ``timeout`` and ``usable`` as for
    ``_read_or_compute``."""
    timeout = settings.READER_CACHE_SECONDS if timeout is None else timeout
    return _read_or_compute(part_key(name, *vary), compute, timeout, usable=usable)


def fragment(request, name, *vary, render):
    """``render()`` (HTML), or its copy cached for readers, with its holes filled for ``request``.

    What ``{% readercache %}`` uses. A fragment may hold a form: the per-reader strings in it
    (CSRF token, anti-spam token, nonces) are holes, filled afresh each time it is served.
    Per-reader *state* (errors, notices, a reply target) must never be cached: render such a
    fragment directly. Only GET and HEAD requests use the cache.
    """
    if (
        request is None
        or request.method not in {"GET", "HEAD"}
        or settings.READER_CACHE_SECONDS <= 0
        or not applies(request)
    ):
        return render()
    # Stored cut at its holes; read back, the holes are filled for this reader. Our own HTML,
    # escaped when it was rendered.
    return _read_or_compute(
        part_key(name, *vary),
        render,
        settings.READER_CACHE_SECONDS,
        dump=lambda html: pickle.dumps(holes.split(request, html)),
        load=lambda raw: mark_safe(holes.joined(request, pickle.loads(raw))),  # noqa: S301
    )


# --- reading a page's parts ahead ------------------------------------------------------------------


class _ReadAhead:
    def __init__(self, entries):
        self.entries = entries
        self.keys = []
        self.remember = True  # the caller says False when the page failed (a 404 reads parts too)


_parts_of_pages = OrderedDict()  # page -> [part keys] in this worker
_parts_lock = threading.Lock()


@contextlib.contextmanager
def read_ahead(page, counting=None):
    """Within this block, the parts ``page`` read last time come from one round trip (on Redis
    with the counting of the reader's view: ``counting``, the seen mark and counter keys). It
    yields ``(clock, counted, ahead)``: the clock as read before anything else, whether the view
    was counted, and the read-ahead, whose ``remember`` the block sets off when the parts read
    now should not be remembered for next time."""
    with _parts_lock:
        keys = _parts_of_pages.get(page)
    store = get_store()
    clock, entries, counted = store.read(keys or [], counting=counting, count_when="always" if keys else "")
    if clock is None:  # a fresh cache: start its clock before anything is read
        clock = store.clock()
    ahead = _ReadAhead(entries)
    token = _ahead.set(ahead)
    try:
        with rendering(clock):
            yield clock, counted, ahead
    finally:
        _ahead.reset(token)
    if ahead.keys and ahead.remember:
        with _parts_lock:
            _parts_of_pages[page] = list(dict.fromkeys(ahead.keys))
            _parts_of_pages.move_to_end(page)
            while len(_parts_of_pages) > PAGES_REMEMBERED:
                _parts_of_pages.popitem(last=False)
