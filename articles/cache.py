"""One switch that makes every cached reader page stale.

Reader pages (and fragments) are cached under keys that include ``reader_pages_version()``.
Anything that changes what a reader would see (an article published, edited or unpublished, a
comment approved, "see also" changed, breaking news switched) calls
``invalidate_reader_pages()``: the version moves on and every old entry is simply never read
again (it expires on its own). This costs one cache read per page and never lists keys, so it
works the same on local memory and on a Redis shared by many servers.

What is cached for readers (README "Caching"): the data a view needs first (the article, the
category: ``cached_for_readers``), the expensive, identical-for-everyone fragments of the pages
(lists, menus, the comment list, the forms: ``{% readercache %}`` and ``cached_fragment``) and
whole pages (``page_cache.py``). The few per-reader strings in a cached fragment or page (CSRF
token, anti-spam token, nonces) are "holes" (``page_hole``), filled afresh for each request;
per-reader state (errors, notices) is never cached. Entries also expire after
READER_CACHE_SECONDS, which bounds how late a scheduled article appears. Staff bypass all of it.
"""

import contextlib
import contextvars
import hashlib
import re
import threading
import time
from collections import OrderedDict

from django.conf import settings
from django.core.cache import cache

VERSION_KEY = "reader-pages:version"


# Within one request the version is read from the cache once, on first use (a page asks for it
# in every fragment; each ask would be a round trip to Redis). ReaderPagesVersionMiddleware
# scopes it to the request; outside a request (commands, workers) every call reads the cache.
_UNREAD = object()
_request_version = contextvars.ContextVar("reader_pages_version", default=None)


def read_version():
    """The reader-pages version from the cache, starting a generation if there is none."""
    version = cache.get(VERSION_KEY)
    if version is None:
        # A fresh cache (or an evicted key) starts a new generation rather than an old one.
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def reader_pages_version():
    remembered = _request_version.get()
    if remembered is None:
        return read_version()
    if remembered is _UNREAD:
        remembered = read_version()
        _request_version.set(remembered)
    return remembered


def invalidate_reader_pages():
    """Call after any change readers must see at once; cheap, safe to call often."""
    try:
        version = cache.incr(VERSION_KEY)
    except ValueError:
        version = time.time_ns()
        cache.set(VERSION_KEY, version, timeout=None)
    if _request_version.get() is not None:
        _request_version.set(version)  # the rest of this request already sees the change


class ReaderPagesVersionMiddleware:
    """Scopes the remembered reader-pages version to one request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_version.set(_UNREAD)
        try:
            return self.get_response(request)
        finally:
            _request_version.reset(token)


# --- the parts of a page, read in one round trip ------------------------------------------------
# Rendering a page reads its cached parts one by one as the templates reach them (the article,
# the header, "see also", the comments, the forms, breaking news...): ten round trips to Redis.
# Each worker remembers which parts a page read last time, under which version; the next
# render of that page reads them all ahead in one get_many() (with the version, when the
# request has not read it yet), and the parts are then taken from what was read. A part that
# was not read ahead (a new one, or a changed version) is read as before, on its own.

PAGE_PARTS_REMEMBERED = 5000


class _PartsReadAhead:
    def __init__(self, values):
        self.values = values
        self.keys = []
        self.remember = True  # the caller says False when the page failed (a 404 reads parts too)


_parts_read_ahead = contextvars.ContextVar("reader_parts_read_ahead", default=None)
_parts_of_pages = OrderedDict()  # page -> (version, [part keys]) in this worker
_parts_lock = threading.Lock()


def read_part(key):
    """``cache.get(key)`` for a reader part, from what this request read ahead when it can."""
    ahead = _parts_read_ahead.get()
    if ahead is None:
        return cache.get(key)
    ahead.keys.append(key)
    if key in ahead.values:
        return ahead.values[key]
    return cache.get(key)


# The one rule for counting a reader's view on Redis, shared by every script that counts: set the
# reader's "seen" mark if it is absent, and only then add one to the article's counter. 1 when
# the view was counted, 2 when this reader's view was already counted.
LUA_COUNT_VIEW = """
local function count_view(seen, counter, lifetime)
    if redis.call('SET', seen, 1, 'NX', 'EX', lifetime) then
        redis.call('INCR', counter)
        return 1
    end
    return 2
end
"""

# KEYS: version, the parts [, seen mark, view counter]. ARGV: the number of parts, the version the
# parts were remembered under, the mark's lifetime in seconds. Returns the version, the parts
# (nil where missing), and 1 when the view was counted, 2 when this reader's view was already
# counted, 0 when nothing was counted (no counter, or the version moved on: the page may be gone).
_READ_AHEAD_SCRIPT = (
    LUA_COUNT_VIEW
    + """
local n = tonumber(ARGV[1])
local version = redis.call('GET', KEYS[1])
local parts = {}
if n > 0 then
    parts = redis.call('MGET', unpack(KEYS, 2, n + 1))
end
local counted = 0
if #KEYS == n + 3 and version == ARGV[2] then
    counted = count_view(KEYS[n + 2], KEYS[n + 3], ARGV[3])
end
return {version or false, parts, counted}
"""
)


# Each worker also keeps the parts it read lately, as the bytes Redis sent, for PART_COPY_SECONDS
# (within PART_COPIES_BYTES): a page rendered again within those seconds asks Redis only for the
# version (and to count the view), not for the 80 kB of its parts again. A part's key carries the
# version, so an edit is still seen at once; the copies only add up to PART_COPY_SECONDS to how
# late a part that expires by the clock (a scheduled article in a list) is renewed.
PART_COPY_SECONDS = 5
PART_COPIES_BYTES = 16 * 1024 * 1024


class WorkerCopies:
    """Values this worker keeps in its own memory, by key, within ``limit`` bytes (the oldest out
    first): pages (``page_cache.worker_copies``, used only after the cache said they are current)
    and parts (``part_copies``, used for PART_COPY_SECONDS)."""

    def __init__(self, limit):
        self.limit = limit
        self._entries = OrderedDict()  # key -> (value, size)
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def __contains__(self, key):
        return key in self._entries

    def put(self, key, value, size):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is value:  # the copy just confirmed current
                self._entries.move_to_end(key)
                return
            self._drop(key)
            if size > self.limit:
                return
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.limit:
                self._drop(next(iter(self._entries)))

    def forget(self, key):
        with self._lock:
            self._drop(key)

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key):
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[1]


part_copies = WorkerCopies(PART_COPIES_BYTES)  # key -> (fresh until, raw bytes)


def _read_ahead(keys, version, counting):
    """``(current version, {key: value})`` for ``keys`` in one round trip; on Redis the reader's
    view is counted in it too (``counting``: seen mark and counter keys), and the third item
    says whether it was. Elsewhere the view is left to the counting middleware."""
    client = redis_client()
    if client is None:
        found = cache.get_many([VERSION_KEY, *keys])
        return found.pop(VERSION_KEY, None), found, False
    now = time.monotonic()
    held = {}
    for key in keys:
        copy = part_copies.get(key) if key.startswith("reader:") else None
        if copy is not None and copy[0] > now:
            held[key] = copy[1]
    wanted = [key for key in keys if key not in held]
    # make_key(): our own keys, which memcached's validation would only slow down.
    full = [cache.make_key(key) for key in [VERSION_KEY, *wanted, *(counting or ())]]
    args = [len(wanted), version, max(1, settings.VIEW_REPEAT_SECONDS)]
    current, raw, counted = run_script(client, _READ_AHEAD_SCRIPT, full, args)
    until = now + PART_COPY_SECONDS
    for key, value in zip(wanted, raw, strict=True):
        if value is not None:
            held[key] = value
            if key.startswith("reader:"):  # parts of pages (breaking news keeps its own timing)
                part_copies.put(key, (until, value), len(value))
    # Values as Django's RedisCache stored them (its own serializer reads them back), unpickled
    # for each request: no request shares an object with another.
    loads = cache._cache._serializer.loads
    found = {key: loads(value) for key, value in held.items()}
    return (int(current) if current is not None else None), found, bool(counted)


@contextlib.contextmanager
def parts_read_ahead(request, page, counting=None):
    """Within this block, the parts ``page`` read last time come from one round trip (with the
    version if the request has not read it yet, and on Redis with the counting of the reader's
    view: ``counting``, keys from ``articles.popularity.counting_keys``); the parts it reads now
    are remembered for next time unless the block sets ``remember`` off."""
    with _parts_lock:
        remembered = _parts_of_pages.get(page)
    values = {}
    if remembered is not None:
        version, keys = remembered
        current, found, counted = _read_ahead(keys, version, counting)
        if counted:
            request.view_counted = True  # the counting middleware leaves this request alone
        known = _request_version.get()
        if known is _UNREAD and current is not None:
            _request_version.set(current)
        elif known is not None:
            current = known
        if current == version:
            values = found
    ahead = _PartsReadAhead(values)
    token = _parts_read_ahead.set(ahead)
    try:
        yield ahead
    finally:
        _parts_read_ahead.reset(token)
    if ahead.keys and ahead.remember:
        with _parts_lock:
            _parts_of_pages[page] = (reader_pages_version(), list(dict.fromkeys(ahead.keys)))
            _parts_of_pages.move_to_end(page)
            while len(_parts_of_pages) > PAGE_PARTS_REMEMBERED:
                _parts_of_pages.popitem(last=False)


def reader_cache_applies(request):
    """Whether this request may be answered from the readers' cache.

    Staff see drafts, previews and their edits at once: they always bypass it. Anonymous
    readers (the spike) and signed-in non-staff share it. Checking ``is_staff`` reads the
    session only when the request carries a session cookie.
    """
    if request is None:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated and user.is_staff)


def use_version_for_request(version):
    """Make ``version`` the one the rest of this request sees (it was just read with a page)."""
    if _request_version.get() is not None:
        _request_version.set(version)


def vary_digest(*vary):
    """A short digest of the values a cached entry varies with."""
    return hashlib.sha256("\x1f".join(str(value) for value in vary).encode()).hexdigest()[:24]


def reader_cache_key(name, *vary):
    """A key that changes with the reader-pages version, the language and ``vary``."""
    from django.utils.translation import get_language

    return f"reader:{reader_pages_version()}:{get_language()}:{name}:{vary_digest(*vary)}"


def cached_for_readers(request, name, *vary, compute):
    """``compute()``, or its value cached for readers under ``name`` and ``vary``.

    For data a view needs before it renders (the article it shows, the category). The value
    must pickle without touching the database: model instances, lists, never a QuerySet.
    """
    if not reader_cache_applies(request):
        return compute()
    key = reader_cache_key(name, *vary)
    value = read_part(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.READER_CACHE_SECONDS)
    return value


# --- holes ---------------------------------------------------------------------------------------
# A cached fragment or page keeps a few per-reader strings (the "holes") that are replaced on the
# way out: the CSRF token of every form, any CSP nonce, and whatever other apps register (the
# comment form's time token). Serving a cached page is then one cache read and a few string
# replacements, close to the cost of a trivial view.

_holes = []
_all_holes = None


def page_hole(pattern):
    """Register ``fill(request, match) -> str`` for every match of ``pattern`` in a cached page.

    The whole match is replaced by what ``fill`` returns. Apps that put per-reader values in a
    page (comments' anti-spam time token) register theirs in ``AppConfig.ready()``.
    """

    def register(fill):
        global _all_holes
        _holes.append((re.compile(pattern), fill))
        _all_holes = None
        return fill

    return register


def _holes_pattern():
    global _all_holes
    if _all_holes is None:
        _all_holes = re.compile("|".join(f"(?:{pattern.pattern})" for pattern, _fill in _holes))
    return _all_holes


def split_page_holes(html):
    """The page cut at its holes, ``[text, hole, text, hole, ..., text]``: done once, when cached.

    Scanning a page of tens of kilobytes for the holes cost more than the rest of serving it
    from the cache, so the scan happens when the page is stored, not on every request.
    """
    pieces = []
    last = 0
    for match in _holes_pattern().finditer(html):
        pieces.extend((html[last : match.start()], match.group(0)))
        last = match.end()
    pieces.append(html[last:])
    return pieces


def encode_page_pieces(pieces, charset="utf-8"):
    """The text between the holes as bytes, encoded once when the page is stored.

    Encoding a whole Arabic page to UTF-8 took 0.19 ms, more than anything else in serving it
    from the cache; stored as bytes, serving it joins bytes. Holes stay text, for their patterns.
    """
    return [piece.encode(charset) if index % 2 == 0 else piece for index, piece in enumerate(pieces)]


def fill_page_holes(request, pieces, charset="utf-8"):
    """The stored page with every hole filled for ``request``: text, or bytes when the pieces
    between the holes are bytes (``encode_page_pieces``)."""
    filled = fill_holes(request, pieces, charset)
    return b"".join(filled) if isinstance(filled[0], bytes) else "".join(filled)


def fill_holes(request, pieces, charset="utf-8"):
    """The pieces with every hole filled for ``request`` (bytes when the pieces between the
    holes are bytes). Each hole is matched again by its own pattern, so ``fill`` gets the match
    it was written for."""
    filled = list(pieces)
    as_bytes = isinstance(filled[0], bytes)
    for index in range(1, len(filled), 2):
        for pattern, fill in _holes:
            own = pattern.fullmatch(filled[index])
            if own is not None:
                filled[index] = fill(request, own)
                break
        if as_bytes:
            filled[index] = filled[index].encode(charset)
    return filled


def cached_fragment(request, name, *vary, render):
    """``render()`` (HTML), or its copy cached for readers, with its holes filled for ``request``.

    What ``{% readercache %}`` and cached template tags use. A fragment may hold a form: the
    per-reader strings in it (CSRF token, anti-spam token, nonces) are registered holes, cut
    out when the fragment is stored and filled afresh each time it is served, as for whole
    pages. Per-reader *state* (errors, notices, a reply target) must still never be cached:
    render such a fragment directly. Only GET and HEAD requests use the cache.
    """
    from django.utils.safestring import mark_safe

    if (
        request is None
        or request.method not in {"GET", "HEAD"}
        or settings.READER_CACHE_SECONDS <= 0
        or not reader_cache_applies(request)
    ):
        return render()
    key = reader_cache_key(name, *vary)
    pieces = read_part(key)
    if pieces is None:
        html = render()
        cache.set(key, split_page_holes(html), timeout=settings.READER_CACHE_SECONDS)
        return html
    return mark_safe(fill_page_holes(request, pieces))  # our own HTML, rendered and escaped before


@page_hole(r'name="csrfmiddlewaretoken" value="[^"]*"')
def _fresh_csrf_token(request, match):
    from kawalis.csrf import page_csrf_token

    # Every form of the page gets the same masked token: each call masks the secret afresh.
    token = getattr(request, "_page_csrf_token", None)
    if token is None:
        token = request._page_csrf_token = page_csrf_token(request)
    return f'name="csrfmiddlewaretoken" value="{token}"'


@page_hole(r' nonce="[^"]*"')
def _fresh_csp_nonce(request, match):
    nonce = getattr(request, "csp_nonce", None)
    return f' nonce="{nonce}"' if nonce is not None else ""


def redis_client():
    """The raw Redis client behind Django's RedisCache, or None for other cache backends."""
    backend = getattr(cache, "_cache", None)
    get_client = getattr(backend, "get_client", None)
    return get_client(None, write=True) if callable(get_client) else None


_scripts = {}


def run_script(client, source, keys, args):
    """Run a Lua script on Redis in one round trip (EVALSHA; loaded once per client)."""
    script = _scripts.get((id(client), source))
    if script is None:
        script = _scripts[(id(client), source)] = client.register_script(source)
    return script(keys=keys, args=args)
