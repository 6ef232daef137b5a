"""Whole reader pages, cached for readers and served at close to the cost of a trivial view.

``@cache_page`` (home, category, tag and article views, the sitemaps) stores a page's HTML (or
XML) for readers under a key of its language, path and page numbers, with the tags of everything
it shows (the parts' tags, ``parts.py``): the page is current while none of them changed. It is
stored cut at its holes (``holes.py``), as UTF-8 and, beside it, compressed, so that serving it
needs neither encoding nor compressing.

Serving a stored page costs one round trip to the cache, which reads the page and checks its
tags together (on Redis a small script that also counts the reader's view of an article). Each
worker keeps a copy of the pages it served lately (``READER_PAGE_WORKER_MB``): the script then
sends the page only when the worker's copy is not the stored one. The copy is checked on every
request, so a change is visible at once on every server and in every process.

A page whose tags changed is rendered again by one request at a time; meanwhile the others get
the previous copy for the few milliseconds that takes.

``ReaderPageMiddleware`` answers requests for a stored page before sessions, authentication,
messages and URL resolving, which an anonymous reader without a session cookie does not need;
the remaining middleware (host check, language, CSRF cookie, frame and content-security
headers) run as for any page on a worker's first answer with its copy, and after that the
headers that are the same for every reader are replayed while the host check and the CSRF
cookie still run each time. It also drops tracking parameters (fbclid, utm_*...) from every
query first, and answers 404 to a page number that is not one (nothing is stored for it).
"""

import functools
import math
import pickle
import re
import struct
import time
import zlib
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.handlers.exception import convert_exception_to_response
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

from . import front, holes
from .parts import applies, collecting, read_ahead, vary_digest
from .store import get_store
from .worker_copies import WorkerCopies

# Query parameters that select what a page shows; any other (a moderation notice, a reply
# target) makes the request render afresh. Their values must be page numbers as the site
# writes them: "2", never "02", "abc" or "-1" (each would be one more stored page).
PAGE_PARAMETERS = {"page", "cpage"}
PAGE_NUMBER = re.compile(r"[1-9][0-9]{0,5}")
# Every parameter some cached view numbers its pages with (``cache_page(page_parameters=...)``:
# a sitemap's ``p``, a live coverage's ``since``): ReaderPageMiddleware may answer a request
# with these from a worker's copy, which exists only for a page its own view stored.
_numbering_parameters = set(PAGE_PARAMETERS)

# What may be stored: HTML pages, and the sitemaps' XML.
STORED_CONTENT_TYPES = ("text/html", "application/xml")
# Headers a view sets that belong to the page (Django's sitemaps set both), kept with it.
KEPT_HEADERS = ("X-Robots-Tag", "Last-Modified")

# What share buttons, advertisers and newsletters add to links: Facebook's fbclid (a new value on
# every click), Google's gclid, utm_* and their kind. They mean nothing to our pages, and a story
# spreading on Facebook would otherwise arrive as thousands of distinct addresses that no cache
# could answer. ReaderPageMiddleware drops them before anything reads the query.
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "gbraid", "wbraid", "dclid", "msclkid", "igshid", "igsh", "mc_cid", "mc_eid"}
    | {"yclid", "twclid", "ttclid", "_ga", "_gl"}
)
TRACKING_PREFIXES = ("utm_",)

# A page that must be rendered again is rendered by one request at a time (bounded by
# REBUILD_CLAIM_SECONDS should the renderer die). Stored pages outlive their freshness by
# STALE_GRACE_SECONDS so that a previous copy exists to serve meanwhile.
REBUILD_CLAIM_SECONDS = 10
STALE_GRACE_SECONDS = 60


@dataclass
class StoredPage:
    """A page as stored: the text between its holes compressed, the holes as text.

    The text between the holes is kept compressed only (a page of 78 kB is 8 kB so), in the
    cache and in the workers' copies: ``pieces`` holds the holes, and the plain text only once
    a client that takes no gzip asked for it (``plain_pieces``). ``lengths`` and ``crcs`` (the
    length and CRC-32 of each piece of text) let a gzip response be framed without it.
    """

    pieces: list  # holes (text) at odd indexes; the plain text between them, or None
    deflated: list  # the text between the holes compressed, one stream each (gzip_body)
    content_type: str
    charset: str
    valid_until: float  # time.time() after which the page must be rendered again
    subject: object  # what the page shows, for the view counter (an article's number), or None
    tags: tuple = ()  # what it shows, for a shared cache in front (front.py)
    public: bool = False  # holds nothing of one reader: a shared cache in front may keep it
    headers: tuple = ()  # (name, value) of the KEPT_HEADERS the view set
    lengths: list = field(default_factory=list)  # bytes of each piece of text (None at holes)
    crcs: list = field(default_factory=list)  # CRC-32 of each piece of text on its own
    # Set on a worker's copy only: the head of the entry it is a copy of, and the headers the
    # language, frame and content-security middleware gave this page (the same for every reader
    # of it), replayed on later requests.
    head: str = ""
    replayed_headers: dict | None = field(default=None, compare=False)

    @classmethod
    def of(cls, pieces, **fields):
        """The stored page of ``pieces`` (``[bytes, hole, bytes, ...]``), plain text dropped."""
        return cls(
            pieces=[None if index % 2 == 0 else piece for index, piece in enumerate(pieces)],
            deflated=deflate_pieces(pieces),
            lengths=[len(text) if index % 2 == 0 else None for index, text in enumerate(pieces)],
            crcs=[zlib.crc32(text) if index % 2 == 0 else None for index, text in enumerate(pieces)],
            **fields,
        )

    def plain_pieces(self):
        """The pieces with the plain text between the holes (decompressed once, then kept)."""
        if any(self.pieces[index] is None for index in range(0, len(self.pieces), 2)):
            self.pieces = [
                zlib.decompressobj(-15).decompress(self.deflated[index]) if index % 2 == 0 else piece
                for index, piece in enumerate(self.pieces)
            ]
        return self.pieces

    @property
    def size(self):
        return sum(len(piece or "") for piece in self.pieces) + sum(
            len(part or b"") for part in self.deflated
        )

    @property
    def fresh(self):
        # Cache timeouts are whole seconds, kept by the cache's clock: checked here too.
        return self.valid_until > time.time()


def page_key(language, request):
    return f"page:{language}:{vary_digest(request.path, *sorted(request.GET.items()))}"


# --- the view counter ----------------------------------------------------------------------------
# Counting readers' views is the articles app's; the cache only has to count them in the round
# trip that reads a page. The app says, once, how (``count_views_with``).


class _NoCounter:
    @staticmethod
    def subject(request):
        return None

    @staticmethod
    def keys(request, subject):
        return None


_counter = _NoCounter


def count_views_with(counter):
    """``counter.subject(request)``: what the page being rendered shows (stored with it);
    ``counter.keys(request, subject)``: ``(seen mark, counter)`` keys to count this reader's
    view of it, or None."""
    global _counter
    _counter = counter


def _counting(request, subject):
    """The keys to count this view with in the store's round trip, when the store counts views
    (Redis); otherwise the counting middleware counts, and nothing is worked out here."""
    if subject is None or not get_store().counts_views:
        return None
    return _counter.keys(request, subject)


def _mark_counted(request, counted):
    if counted:
        request._readercache_view_counted = True


def view_counted(request):
    """Whether the readers' cache already counted this request's view (so no one else should)."""
    return getattr(request, "_readercache_view_counted", False)


def served_subject(request):
    """What the stored page this request was answered with shows (None if not answered so)."""
    stored = getattr(request, "_reader_page", None)
    return stored.subject if stored is not None else None


# --- compressed pages ----------------------------------------------------------------------------
# Browsers ask for gzip; a news page of 78 kB is 8 kB compressed, and compressing it per request
# costs 0.4 ms (what a proxy's gzip would spend on every hit). So the text between the holes is
# compressed once, when the page is stored: each piece as a raw deflate stream of its own, ended
# on a byte boundary and not final. Per request, each filled hole goes between them as a
# "stored" (uncompressed) deflate block, and a final empty block, the CRC and the length close
# the gzip member. The per-reader secrets are never compressed together with the page, so the
# response gives no compression oracle on them (BREACH), and cached pages echo no reader input.

_GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, OS unknown
_FINAL_EMPTY_BLOCK = zlib.compressobj(wbits=-15).flush()


def deflate_pieces(pieces):
    """The bytes between the holes, each compressed on its own; None where the holes are."""
    deflated = []
    for index, piece in enumerate(pieces):
        if index % 2:
            deflated.append(None)
            continue
        compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
        deflated.append(compressor.compress(piece) + compressor.flush(zlib.Z_SYNC_FLUSH))
    return deflated


def _stored_blocks(data):
    """``data`` as non-final stored deflate blocks (at most 65,535 bytes each)."""
    blocks = []
    for start in range(0, len(data), 0xFFFF):
        chunk = data[start : start + 0xFFFF]
        blocks.append(b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk)
    return b"".join(blocks)


_zeros = b""


def _crc_of_zeros(length, crc):
    global _zeros
    if len(_zeros) < length:
        _zeros = bytes(max(length, 2 * len(_zeros)))
    return zlib.crc32(memoryview(_zeros)[:length], crc)


def crc_after(crc, length, piece_crc):
    """CRC-32 of ``prefix + piece`` from ``crc`` (the prefix's), the piece's length and its own
    CRC-32, without the piece's bytes: CRC-32 is affine, so ``crc32(piece, c) = crc32(piece, 0)
    ^ crc32(zeros, c) ^ crc32(zeros, 0)`` for ``len(piece)`` zero bytes."""
    if crc == 0:
        return piece_crc
    return piece_crc ^ _crc_of_zeros(length, crc) ^ _crc_of_zeros(length, 0)


def gzip_body(filled, stored):
    """The gzip member of ``stored`` whose holes are filled as in ``filled`` (bytes at odd
    indexes), its text taken as stored: compressed, with its lengths and CRCs."""
    parts = [_GZIP_HEADER]
    crc = size = 0
    for index, deflated in enumerate(stored.deflated):
        if index % 2:
            hole = filled[index]
            crc = zlib.crc32(hole, crc)
            size += len(hole)
            parts.append(_stored_blocks(hole))
        else:
            crc = crc_after(crc, stored.lengths[index], stored.crcs[index])
            size += stored.lengths[index]
            parts.append(deflated)
    parts += [_FINAL_EMPTY_BLOCK, struct.pack("<II", crc, size & 0xFFFFFFFF)]
    return b"".join(parts)


def accepts_gzip(request):
    """Whether the request's Accept-Encoding names gzip with a weight above zero."""
    header = request.META.get("HTTP_ACCEPT_ENCODING", "").lower()
    if "gzip" not in header:
        return False
    for item in header.split(","):
        name, *parameters = item.split(";")
        if name.strip() != "gzip":
            continue
        weights = [value.strip()[2:] for value in parameters if value.strip().startswith("q=")]
        try:
            return not weights or float(weights[0]) > 0
        except ValueError:
            return False
    return False


def page_response(request, stored, key=None):
    """The stored page as this reader's response: holes filled, compressed if they accept it.
    ``key``: the page's, when ``stored`` is this worker's copy (its size may grow)."""
    if accepts_gzip(request):
        filled = holes.fill(request, stored.pieces, stored.charset, encode=True)
        response = HttpResponse(gzip_body(filled, stored), content_type=stored.content_type)
        response["Content-Encoding"] = "gzip"
    else:
        before = stored.size
        filled = holes.fill(request, stored.plain_pieces(), stored.charset, encode=True)
        if key is not None and stored.size != before:
            worker_copies.put(key, stored, stored.size)  # the copy now holds its plain text too
        response = HttpResponse(b"".join(filled), content_type=stored.content_type)
    for name, value in stored.headers:
        response[name] = value
    response["Content-Length"] = str(len(response.content))
    # A new response: nothing to merge with (yet). Cookie: a reader with a session (staff) gets
    # a page of their own, so no cache may hand them this one.
    response["Vary"] = "Accept-Encoding, Cookie"
    _let_the_front_keep(request, response, stored)
    return response


def _let_the_front_keep(request, response, stored):
    """Make the response public for the cache in front when it holds nothing of this reader."""
    if stored.public and front.enabled() and _without_reader_cookies(request):
        front.make_public(response, stored.tags, stored.valid_until - time.time())


def _without_reader_cookies(request):
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and CookieStorage.cookie_name not in cookies


# --- each worker's copies, reading and storing --------------------------------------------------

# The pages this worker stored or served lately; a copy is only ever served after the cache said
# it is the stored one (by its head) and current.
worker_copies = WorkerCopies(int(settings.READER_PAGE_WORKER_MB * 1024 * 1024))


def look_up(request, key, subject):
    """``(stored page or None, current)`` in one round trip; on Redis the reader's view of a
    current page (``subject``) is counted in the same trip."""
    copy = worker_copies.get(key)
    copies = {key: copy.head} if copy is not None else None
    _clock, found, counted = get_store().read(
        [key], copies=copies, counting=_counting(request, subject), count_when="first"
    )
    _mark_counted(request, counted)
    entry = found.get(key)
    stored = None
    if entry is not None and entry.payload is None:
        stored = copy  # the cache holds exactly this worker's copy
    elif entry is not None:
        stored = _unpickle(entry.payload)
        if stored is not None:
            stored.head = entry.head
    if stored is None:
        worker_copies.forget(key)
        return None, False
    worker_copies.put(key, stored, stored.size)
    return stored, entry.current and stored.fresh


def _unpickle(raw):
    try:
        stored = pickle.loads(raw)  # noqa: S301 (our own cache, written by _render_and_store())
    except Exception:  # written by an older release: as if absent
        return None
    # A page stored by an older release (its text plain, no lengths): as if absent.
    return stored if isinstance(stored, StoredPage) and stored.lengths else None


def forget_page(key):
    worker_copies.forget(key)
    get_store().delete(key)


_expiries = []


def expires_with(seconds_until_change):
    """Register ``seconds_until_change()``: how many seconds until something on every page
    changes by the clock (the breaking-news strip), or None. Pages are stored no longer."""
    if seconds_until_change not in _expiries:
        _expiries.append(seconds_until_change)
    return seconds_until_change


def _page_timeout():
    """READER_CACHE_SECONDS, or less when something the page shows changes by the clock sooner
    (the hooks of ``expires_with``, and tags due to be made stale: a cache in front must not
    keep the page past that time, since nothing will purge it then)."""
    timeout = settings.READER_CACHE_SECONDS
    due = get_store().seconds_until_due()
    if due is not None:
        timeout = min(timeout, math.ceil(due))
    for until_change in _expiries:
        seconds = until_change()
        if seconds is not None:
            timeout = min(timeout, seconds)
    return timeout


def _render(view, request, args, kwargs):
    """The view's response, its cached parts read in one round trip (``parts.read_ahead``) that
    also counts the reader's view, unless the page lookup already did. Returns the response, the
    page's tags, and the clock as read before anything else (what the page is stored under)."""
    counting = None
    if not view_counted(request):
        counting = _counting(request, _counter.subject(request))
    page = f"{translation.get_language()}:{request.path}"
    with read_ahead(page, counting) as (started, counted, ahead), collecting() as tags:
        _mark_counted(request, counted)
        ahead.remember = False
        response = view(request, *args, **kwargs)
        if getattr(response, "is_rendered", True) is False:
            response.render()  # a TemplateResponse: its template's tags are the page's
        ahead.remember = response.status_code == 200
        return response, tags, started


def _render_and_store(view, request, args, kwargs, key, had_copy):
    """Render the page; store it if readers may share it, else forget any previous copy."""
    try:
        response, tags, started = _render(view, request, args, kwargs)
    except Http404:
        if had_copy:
            forget_page(key)  # unpublished or deleted: no previous copy for anyone
        raise
    cacheable = (
        response.status_code == 200
        and not response.streaming
        and response.get("Content-Type", "").startswith(STORED_CONTENT_TYPES)
        and "Cache-Control" not in response
    )
    timeout = _page_timeout() if cacheable else 0
    if timeout > 0:
        html = response.content.decode(response.charset)
        split = holes.split(request, html)
        stored = StoredPage.of(
            holes.encode(split, response.charset),
            content_type=response["Content-Type"],
            charset=response.charset,
            valid_until=time.time() + timeout,
            subject=_counter.subject(request),
            tags=tuple(sorted(tags)),
            public=not holes.holds_per_reader(request, split),
            headers=tuple((name, response[name]) for name in KEPT_HEADERS if name in response),
        )
        payload = pickle.dumps(stored, pickle.HIGHEST_PROTOCOL)
        head = get_store().write(key, tags, payload, timeout + STALE_GRACE_SECONDS, started)
        if head is not None:  # stored: nothing changed while it was rendered
            stored.head = head
            worker_copies.put(key, stored, stored.size)
            _let_the_front_keep(request, response, stored)
        patch_vary_headers(response, ("Accept-Encoding", "Cookie"))  # as the copies served later
    elif had_copy:
        # Moved (a corrected slug) or no longer shareable: the previous copy must not be
        # served to anyone, not even during a rebuild.
        forget_page(key)
    return response


def _page_numbers_ok(request, parameters=PAGE_PARAMETERS):
    return all(PAGE_NUMBER.fullmatch(request.GET[name]) for name in parameters & request.GET.keys())


def _may_use_stored_page(request, parameters=PAGE_PARAMETERS):
    return (
        request.method in {"GET", "HEAD"}
        and settings.READER_CACHE_SECONDS > 0
        and settings.READER_PAGE_CACHE
        and not set(request.GET) - parameters
        and _page_numbers_ok(request, parameters)
    )


def cache_page(view=None, *, page_parameters=PAGE_PARAMETERS):
    """Serve ``view``'s successful pages (HTML, or a sitemap's XML) from the readers' cache,
    holes filled per request.

    ``page_parameters``: the query parameters that number its pages (Django's sitemaps use
    ``p``). A page number that is not one (``?page=abc``, ``?page=02``) answers 404 and stores
    nothing.
    """
    if view is None:
        return functools.partial(cache_page, page_parameters=frozenset(page_parameters))
    _numbering_parameters.update(page_parameters)

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _page_numbers_ok(request, page_parameters):
            raise Http404("Not a page number.")
        if request.method not in {"GET", "HEAD"} or not applies(request):
            return view(request, *args, **kwargs)
        if not _may_use_stored_page(request, page_parameters):
            return _render(view, request, args, kwargs)[0]
        looked_up = getattr(request, "_reader_page_lookup", None)
        if looked_up is None:  # not already read by ReaderPageMiddleware
            key = page_key(translation.get_language(), request)
            looked_up = (key, *look_up(request, key, _counter.subject(request)))
        key, stored, current = looked_up
        if stored is not None and current:
            return page_response(request, stored, key)
        store = get_store()
        if stored is not None and not store.claim(key, REBUILD_CLAIM_SECONDS):
            return page_response(request, stored, key)  # another request is rendering it right now
        try:
            return _render_and_store(view, request, args, kwargs, key, had_copy=stored is not None)
        finally:
            if stored is not None:
                store.release(key)

    return wrapper


# --- before sessions and URL resolving -------------------------------------------------------------

# What an anonymous reader's request for a stored page does not need: no session cookie means
# an anonymous reader (so no session, no user, no messages to read), and the page is known.
# Every other middleware after ReaderPageMiddleware runs for the stored page as for any page.
SKIPPED_FOR_STORED_PAGES = {
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
}
# Middleware whose only work on a stored page is headers that are the same for every reader of
# it (the page's language and Vary, X-Frame-Options, the content security policy when the page
# uses no nonce): they run on a worker's first answer with its copy, and their headers are then
# replayed. Building the policy alone cost more than filling the page's holes.
REPLAYED_FOR_STORED_PAGES = {
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
}
NOT_REPLAYED = {"content-length", "content-encoding", "set-cookie", "cache-control", "surrogate-key"}


def _is_tracking(name):
    return name in TRACKING_PARAMETERS or name.startswith(TRACKING_PREFIXES)


def drop_tracking_parameters(request):
    """Remove tracking parameters from the request's query (``GET`` and ``QUERY_STRING``)."""
    if not any(_is_tracking(name) for name in request.GET):
        return
    kept = request.GET.copy()
    for name in list(kept):
        if _is_tracking(name):
            del kept[name]
    kept._mutable = False
    request.META["QUERY_STRING"] = kept.urlencode()
    request.GET = kept


def _serve_found_page(request):
    return page_response(request, request._reader_page, request._reader_page_lookup[0])


def _serve_with_replayed_headers(request):
    stored = request._reader_page
    response = page_response(request, stored, request._reader_page_lookup[0])
    for name, value in stored.replayed_headers.items():
        response[name] = value
    return response


def _replayable_headers(request, response):
    """The headers to replay for this stored page, or None when they may differ per reader."""
    if response.status_code != 200 or getattr(request, "_csp_nonce", None) is not None:
        return None  # a page with a nonce gets a policy of its own each time
    return {name: value for name, value in response.items() if name.lower() not in NOT_REPLAYED}


class ReaderPageMiddleware:
    """Answers an anonymous reader's request for a page this worker knows from the page cache,
    current in the cache, before sessions, authentication, messages and URL resolving."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.serve_found_page = self._chain_after_me(_serve_found_page, SKIPPED_FOR_STORED_PAGES)
        self.serve_with_replayed_headers = self._chain_after_me(
            _serve_with_replayed_headers, SKIPPED_FOR_STORED_PAGES | REPLAYED_FOR_STORED_PAGES
        )

    @classmethod
    def _chain_after_me(cls, serve, left_out):
        """The middleware after this one in MIDDLEWARE, but those ``left_out``, around ``serve``."""
        names = list(settings.MIDDLEWARE)
        me = f"{cls.__module__}.{cls.__qualname__}"
        handler = convert_exception_to_response(serve)
        for name in reversed(names[names.index(me) + 1 :] if me in names else []):
            if name not in left_out:
                handler = convert_exception_to_response(import_string(name)(handler))
        return handler

    def __call__(self, request):
        if request.method in {"GET", "HEAD"} and request.META.get("QUERY_STRING"):
            drop_tracking_parameters(request)
        known = self._known_page(request)
        if known is None:
            return self.get_response(request)
        key, language = known
        copy = worker_copies.get(key)
        stored, current = look_up(request, key, copy.subject if copy is not None else None)
        request._reader_page_lookup = (key, stored, current)  # the view will not read again
        if not current:
            return self.get_response(request)
        request._reader_page = stored
        if stored.replayed_headers is not None:
            translation.activate(language)  # as LocaleMiddleware would
            request.LANGUAGE_CODE = language
            return self.serve_with_replayed_headers(request)
        response = self.serve_found_page(request)
        stored.replayed_headers = _replayable_headers(request, response)
        return response

    @staticmethod
    def _known_page(request):
        """``(page key, language)`` when the request may be answered here and the worker knows
        the page, else None."""
        if not _without_reader_cookies(request) or not _may_use_stored_page(request, _numbering_parameters):
            return None
        # As LocaleMiddleware decides with i18n_patterns(prefix_default_language=False).
        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        key = page_key(language, request)
        return (key, language) if key in worker_copies else None
