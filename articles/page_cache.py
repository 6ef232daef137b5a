"""Whole reader pages, cached for readers and served at close to the cost of a trivial view.

``@cache_page_for_readers`` (home, category, tag and article views) stores a page's HTML for
readers under a key of its language, path and page numbers, with the reader-pages version it was
made under (``articles/cache.py``: any change readers must see moves the version on, and a page
of an older version is never served as current). The page is stored cut at its holes (CSRF
token, anti-spam token, nonces: filled afresh for every reader), as UTF-8 and, beside it,
compressed, so that serving it needs neither encoding nor compressing.

Serving a stored page costs one round trip to the cache, which reads the version and the page
together (on Redis a small script that also counts the reader's view of an article). Each
worker keeps a copy of the pages it served lately (``READER_PAGE_WORKER_MB``): the script
then sends the page only when the worker's copy is not the current one, and otherwise a line
that says so. The copy is checked against the cache on every request, so a change is visible
at once on every server; it only saves moving the same 80 kB from Redis again and again.

``ReaderPageMiddleware`` answers requests for a stored page before sessions, authentication,
messages and URL resolving, which an anonymous reader without a session cookie does not need;
the remaining middleware (host check, language, CSRF cookie, frame and content-security
headers) run as for any page on a worker's first answer with its copy, and after that the
headers that are the same for every reader are replayed while the host check and the CSRF
cookie still run each time. Whatever it cannot answer from a current stored page goes down
the usual path, with what it already read, so nothing is read twice. It also drops tracking
parameters (fbclid, utm_*...) from every query first.
"""

import functools
import pickle
import secrets
import struct
import time
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.core.handlers.exception import convert_exception_to_response
from django.http import Http404, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string

from .cache import (
    LUA_COUNT_VIEW,
    VERSION_KEY,
    WorkerCopies,
    encode_page_pieces,
    fill_holes,
    parts_read_ahead,
    read_version,
    reader_cache_applies,
    redis_client,
    run_script,
    split_page_holes,
    use_version_for_request,
    vary_digest,
)
from .popularity import counting_keys, viewed_article_pk

# Query parameters that select what a page shows; any other (a moderation notice, a reply
# target) makes the request render afresh.
PAGE_PARAMETERS = {"page", "cpage"}

# What share buttons, advertisers and newsletters add to links: Facebook's fbclid (a new value on
# every click), Google's gclid, utm_* and their kind. They mean nothing to our pages, and a story
# spreading on Facebook would otherwise arrive as thousands of distinct addresses that no cache
# could answer. ReaderPageMiddleware drops them before anything reads the query.
TRACKING_PARAMETERS = frozenset(
    {"fbclid", "gclid", "gbraid", "wbraid", "dclid", "msclkid", "igshid", "igsh", "mc_cid", "mc_eid"}
    | {"yclid", "twclid", "ttclid", "_ga", "_gl"}
)
TRACKING_PREFIXES = ("utm_",)

# A page that must be rendered again (the version moved on, or it expired) is rendered by one
# request at a time: whoever claims the rebuild renders it; meanwhile others are served the
# previous copy, for the few milliseconds that takes (bounded by REBUILD_CLAIM_SECONDS should
# the renderer die). Without this, a change during a spike sends every worker of every server
# to render the same page at once. Stored pages outlive their freshness by STALE_GRACE_SECONDS
# so that a previous copy exists to serve.
REBUILD_CLAIM_SECONDS = 10
STALE_GRACE_SECONDS = 60


@dataclass
class StoredPage:
    version: int  # the reader-pages version the page was made under
    head: str  # names this copy: "<version>:<random>", the first line of its entry on Redis
    pieces: list  # UTF-8 bytes between the holes, holes as text
    deflated: list  # the bytes between the holes compressed, one stream each (gzip_body)
    content_type: str
    charset: str
    valid_until: float  # time.time() after which the page must be rendered again
    article_pk: int | None  # the article the page shows, for counting views without the URL
    # In a worker's copy only: the headers the language, frame and content-security middleware
    # gave this page (the same for every reader of it), replayed on later requests.
    replayed_headers: dict | None = None

    @property
    def size(self):
        return sum(len(piece) for piece in self.pieces) + sum(len(part or b"") for part in self.deflated)

    def is_current(self, version):
        # The expiry is checked here too: cache timeouts are whole seconds, kept by Redis's clock.
        return self.version == version and self.valid_until > time.time()


def page_key(language, request):
    # "page-c": StoredPage entries (older formats are under other names and are never read).
    return f"reader-page-c:{language}:{vary_digest(request.path, *sorted(request.GET.items()))}"


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


def gzip_body(filled, deflated):
    """The gzip member of the page whose filled pieces are ``filled`` (bytes)."""
    parts = [_GZIP_HEADER]
    crc = size = 0
    for index, piece in enumerate(filled):
        crc = zlib.crc32(piece, crc)
        size += len(piece)
        parts.append(_stored_blocks(piece) if index % 2 else deflated[index])
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


def page_response(request, stored):
    """The stored page as this reader's response: holes filled, compressed if they accept it."""
    filled = fill_holes(request, stored.pieces, stored.charset)
    if accepts_gzip(request):
        response = HttpResponse(gzip_body(filled, stored.deflated), content_type=stored.content_type)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(b"".join(filled), content_type=stored.content_type)
    response["Content-Length"] = str(len(response.content))
    response["Vary"] = "Accept-Encoding"  # a new response: nothing to merge with (yet)
    return response


# --- each worker's copies --------------------------------------------------------------------------

# The pages this worker stored or served lately; a copy is only ever served after the cache said
# it is the current one.
worker_copies = WorkerCopies(int(settings.READER_PAGE_WORKER_MB * 1024 * 1024))


# --- reading and storing -------------------------------------------------------------------------

# KEYS: version, page [, seen mark, view counter]. ARGV: the mark's lifetime in seconds, the head
# of the worker's copy of the page ("" if none).
# Returns the version, the head of the stored page, the stored page itself unless the worker's
# copy is that one, and 1 when the view was counted, 2 when this reader's view was already
# counted, 0 when the page is not current (nothing counted: the page will be rendered, and
# counted then). A stored page starts with its head line, "<version>:<random>\n".
_LOOKUP_SCRIPT = (
    LUA_COUNT_VIEW
    + """
local version = redis.call('GET', KEYS[1])
local head = redis.call('GETRANGE', KEYS[2], 0, 79)
local newline = string.find(head, '\\n', 1, true)
local page = false
local counted = 0
if newline then
    head = string.sub(head, 1, newline - 1)
    if head ~= ARGV[2] then
        page = redis.call('GET', KEYS[2])
    end
    if version and #KEYS == 4 and string.sub(head, 1, #version + 1) == version .. ':' then
        counted = count_view(KEYS[3], KEYS[4], ARGV[1])
    end
else
    head = false
end
return {version or false, head, page, counted}
"""
)


def _unpickle(raw):
    try:
        stored = pickle.loads(raw)  # noqa: S301 (our own cache, written by store_page())
    except Exception:  # written by an older release: as if absent
        return None
    return stored if isinstance(stored, StoredPage) else None


def look_up(request, key, article_pk):
    """``(version, stored page or None)`` in one round trip; on Redis the reader's view of a
    current article page (``article_pk``) is counted in the same trip.

    The version read here becomes the request's (``reader_pages_version()``), so a page rendered
    after a miss asks the cache for nothing more.
    """
    client = redis_client()
    if client is None:
        found = cache.get_many([VERSION_KEY, key])
        version, stored = found.get(VERSION_KEY), found.get(key)
        if not isinstance(stored, StoredPage):
            stored = None
        else:
            copy = worker_copies.get(key)
            if copy is not None and copy.head == stored.head:
                stored = copy  # the same copy: keep what this worker learnt about it
    else:
        version, stored = _redis_look_up(client, request, key, article_pk)
    if stored is None:
        worker_copies.forget(key)
    else:
        worker_copies.put(key, stored, stored.size)
    if version is None:
        version = read_version()
    use_version_for_request(version)
    return version, stored


def _redis_look_up(client, request, key, article_pk):
    # make_key(), not make_and_validate_key(): these keys are ours (digests, numbers), and the
    # validation (for memcached's limits) would only cost time on every page.
    keys = [cache.make_key(VERSION_KEY), cache.make_key(key)]
    counting = counting_keys(request, article_pk) if article_pk is not None else None
    if counting is not None:
        keys += [cache.make_key(name) for name in counting]
    copy = worker_copies.get(key)
    args = [max(1, settings.VIEW_REPEAT_SECONDS), copy.head if copy is not None else ""]
    version, head, raw_page, counted = run_script(client, _LOOKUP_SCRIPT, keys, args)
    if counted:
        request.view_counted = True  # the counting middleware leaves this request alone
    if raw_page is not None:
        stored = _unpickle(raw_page.partition(b"\n")[2])
    elif head is not None and copy is not None:
        stored = copy  # the cache holds exactly this worker's copy
    else:
        stored = None
    return (int(version) if version is not None else None), stored


def store_page(key, stored, timeout):
    """Store a page for every worker of every server (on Redis as raw bytes behind its head line,
    under the cache's own full key, so that ``cache.delete(key)`` removes it like any entry)."""
    worker_copies.put(key, stored, stored.size)
    client = redis_client()
    if client is None:
        cache.set(key, stored, timeout)
        return
    payload = stored.head.encode() + b"\n" + pickle.dumps(stored, pickle.HIGHEST_PROTOCOL)
    client.set(cache.make_and_validate_key(key), payload, ex=max(1, int(timeout)))


def forget_page(key):
    worker_copies.forget(key)
    cache.delete(key)


def _claim_rebuild(key, version):
    return cache.add(f"{key}:rebuild:{version}", 1, timeout=REBUILD_CLAIM_SECONDS)


def _release_rebuild(key, version):
    cache.delete(f"{key}:rebuild:{version}")


def _page_timeout():
    """READER_CACHE_SECONDS, or less when the breaking-news strip changes by itself sooner."""
    from .breaking import seconds_until_next_change

    until_change = seconds_until_next_change()
    if until_change is None:
        return settings.READER_CACHE_SECONDS
    return min(settings.READER_CACHE_SECONDS, until_change)


def _render(view, request, args, kwargs):
    """The view's response, its cached parts read in one round trip (``parts_read_ahead``) that
    also counts the reader's view of an article, unless the page lookup already did."""
    counting = None
    article_pk = viewed_article_pk(request)
    if article_pk is not None and not getattr(request, "view_counted", False):
        counting = counting_keys(request, article_pk)
    page = f"{translation.get_language()}:{request.path}"
    with parts_read_ahead(request, page, counting) as ahead:
        ahead.remember = False
        response = view(request, *args, **kwargs)
        ahead.remember = response.status_code == 200
    return response


def _render_and_store(view, request, args, kwargs, key, version, had_copy):
    """Render the page; store it if readers may share it, else forget any previous copy."""
    try:
        response = _render(view, request, args, kwargs)
    except Http404:
        if had_copy:
            forget_page(key)  # unpublished or deleted: no previous copy for anyone
        raise
    cacheable = (
        response.status_code == 200
        and not response.streaming
        and response.get("Content-Type", "").startswith("text/html")
        and "Cache-Control" not in response
    )
    timeout = _page_timeout() if cacheable else 0
    if timeout > 0:
        pieces = encode_page_pieces(
            split_page_holes(response.content.decode(response.charset)), response.charset
        )
        stored = StoredPage(
            version=version,
            head=f"{version}:{secrets.token_hex(6)}",
            pieces=pieces,
            deflated=deflate_pieces(pieces),
            content_type=response["Content-Type"],
            charset=response.charset,
            valid_until=time.time() + timeout,
            article_pk=viewed_article_pk(request),
        )
        store_page(key, stored, timeout + STALE_GRACE_SECONDS)
        patch_vary_headers(response, ("Accept-Encoding",))  # as the copies served later
    elif had_copy:
        # Moved (a corrected slug) or no longer shareable: the previous copy must not be
        # served to anyone, not even during a rebuild.
        forget_page(key)
    return response


def _may_use_stored_page(request):
    return (
        request.method in {"GET", "HEAD"}
        and settings.READER_CACHE_SECONDS > 0
        and settings.READER_PAGE_CACHE
        and not set(request.GET) - PAGE_PARAMETERS
        and not any(len(value) > 9 for value in request.GET.values())
    )


def cache_page_for_readers(view):
    """Serve ``view``'s successful HTML pages from the readers' cache, holes filled per request."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in {"GET", "HEAD"} or not reader_cache_applies(request):
            return view(request, *args, **kwargs)
        if not _may_use_stored_page(request):
            return _render(view, request, args, kwargs)
        looked_up = getattr(request, "_reader_page_lookup", None)
        if looked_up is None:  # not already read by ReaderPageMiddleware
            key = page_key(translation.get_language(), request)
            looked_up = (key, *look_up(request, key, viewed_article_pk(request)))
        key, version, stored = looked_up
        if stored is not None and stored.is_current(version):
            return page_response(request, stored)
        if stored is not None and not _claim_rebuild(key, version):
            return page_response(request, stored)  # another request is rendering it right now
        try:
            return _render_and_store(view, request, args, kwargs, key, version, had_copy=stored is not None)
        finally:
            if stored is not None:
                _release_rebuild(key, version)

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
NOT_REPLAYED = {"content-length", "content-encoding", "set-cookie"}


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
    return page_response(request, request._reader_page)


def _serve_with_replayed_headers(request):
    stored = request._reader_page
    response = page_response(request, stored)
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
        version, stored = look_up(request, key, copy.article_pk if copy is not None else None)
        request._reader_page_lookup = (key, version, stored)  # the view's cache will not read again
        if stored is None or not stored.is_current(version):
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
        cookies = request.COOKIES
        if (
            settings.SESSION_COOKIE_NAME in cookies
            or CookieStorage.cookie_name in cookies
            or not _may_use_stored_page(request)
        ):
            return None
        # As LocaleMiddleware decides with i18n_patterns(prefix_default_language=False).
        language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
        key = page_key(language, request)
        return (key, language) if key in worker_copies else None
