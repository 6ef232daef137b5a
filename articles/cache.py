"""One switch that makes every cached reader page stale.

Reader pages (and fragments) are cached under keys that include ``reader_pages_version()``.
Anything that changes what a reader would see (an article published, edited or unpublished, a
comment approved, "see also" changed, breaking news switched) calls
``invalidate_reader_pages()``: the version moves on and every old entry is simply never read
again (it expires on its own). This costs one cache read per page and never lists keys, so it
works the same on local memory and on a Redis shared by many servers.

What is cached for readers (README "Caching"): the data a view needs first (the article, the
category: ``cached_for_readers``) and the expensive, identical-for-everyone fragments of the
pages (lists, menus, the comment list: ``{% readercache %}`` in ``templatetags/reader_cache.py``).
Forms are never inside a cached fragment: their CSRF tokens and notices are per reader.
Entries also expire after READER_CACHE_SECONDS, which bounds how late a scheduled article
appears. Staff bypass all of it.
"""

import contextvars
import functools
import hashlib
import pickle
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse

VERSION_KEY = "reader-pages:version"


# Within one request the version is read from the cache once, on first use (a page asks for it
# in every fragment; each ask would be a round trip to Redis). ReaderPagesVersionMiddleware
# scopes it to the request; outside a request (commands, workers) every call reads the cache.
_UNREAD = object()
_request_version = contextvars.ContextVar("reader_pages_version", default=None)


def _read_version():
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
        return _read_version()
    if remembered is _UNREAD:
        remembered = _read_version()
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


def _digest(*vary):
    return hashlib.sha256("\x1f".join(str(value) for value in vary).encode()).hexdigest()[:24]


def reader_cache_key(name, *vary):
    """A key that changes with the reader-pages version, the language and ``vary``."""
    from django.utils.translation import get_language

    return f"reader:{reader_pages_version()}:{get_language()}:{name}:{_digest(*vary)}"


def cached_for_readers(request, name, *vary, compute):
    """``compute()``, or its value cached for readers under ``name`` and ``vary``.

    For data a view needs before it renders (the article it shows, the category). The value
    must pickle without touching the database: model instances, lists, never a QuerySet.
    """
    if not reader_cache_applies(request):
        return compute()
    key = reader_cache_key(name, *vary)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.READER_CACHE_SECONDS)
    return value


# --- whole pages -------------------------------------------------------------------------------
# A reader page is cached whole for readers, and the few per-reader strings in it (the "holes")
# are replaced on the way out: the CSRF token of every form, any CSP nonce, and whatever other
# apps register (the comment form's time token). Serving a page is then one cache read and a
# few string replacements, close to the cost of a trivial view.

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
    between the holes are bytes (``encode_page_pieces``).

    Each hole is matched again by its own pattern, so ``fill`` gets the match it was written for.
    """
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
    return b"".join(filled) if as_bytes else "".join(filled)


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
    pieces = cache.get(key)
    if pieces is None:
        html = render()
        cache.set(key, split_page_holes(html), timeout=settings.READER_CACHE_SECONDS)
        return html
    return mark_safe(fill_page_holes(request, pieces))  # our own HTML, rendered and escaped before


@page_hole(r'name="csrfmiddlewaretoken" value="[^"]*"')
def _fresh_csrf_token(request, match):
    from django.middleware.csrf import get_token

    # Every form of the page gets the same masked token: each get_token() call masks the
    # secret afresh (32 random characters), which was the costliest part of serving a page.
    token = getattr(request, "_page_csrf_token", None)
    if token is None:
        token = request._page_csrf_token = get_token(request)
    return f'name="csrfmiddlewaretoken" value="{token}"'


@page_hole(r' nonce="[^"]*"')
def _fresh_csp_nonce(request, match):
    nonce = getattr(request, "csp_nonce", None)
    return f' nonce="{nonce}"' if nonce is not None else ""


# Query parameters that select what a page shows; any other (a moderation notice, a reply
# target, tracking tags) makes the request render afresh.
PAGE_PARAMETERS = {"page", "cpage"}


def _page_timeout():
    """READER_CACHE_SECONDS, or less when the breaking-news strip changes by itself sooner."""
    from .breaking import seconds_until_next_change

    until_change = seconds_until_next_change()
    if until_change is None:
        return settings.READER_CACHE_SECONDS
    return min(settings.READER_CACHE_SECONDS, until_change)


def redis_client():
    """The raw Redis client behind Django's RedisCache, or None for other cache backends."""
    backend = getattr(cache, "_cache", None)
    get_client = getattr(backend, "get_client", None)
    return get_client(None, write=True) if callable(get_client) else None


# A rider on the page lookup: ``(request) -> (seen_key, counter_key) or None``. Popularity sets
# it so that a reader's view of a cached article is counted in the same round trip as the page
# is read (articles/popularity.py). Keys are the cache's own (before its prefix).
view_counter = None

# KEYS: version, page [, seen mark, view counter]. ARGV: the mark's lifetime in seconds.
# Returns the version, the stored page (or nil), and 1 when the view was counted, 2 when this
# reader's view was already counted, 0 when the page was not served from here (nothing done).
# A stored page starts with the version it was made under and a newline, so the script can
# tell a current page from a stale one without unpickling it.
_LOOKUP_SCRIPT = """
local version = redis.call('GET', KEYS[1])
local page = redis.call('GET', KEYS[2])
local counted = 0
if version and page and #KEYS == 4 and string.sub(page, 1, #version + 1) == version .. '\\n' then
    if redis.call('SET', KEYS[3], 1, 'NX', 'EX', ARGV[1]) then
        redis.call('INCR', KEYS[4])
        counted = 1
    else
        counted = 2
    end
end
return {version or false, page or false, counted}
"""
_scripts = {}


def run_script(client, source, keys, args):
    """Run a Lua script on Redis in one round trip (EVALSHA; loaded once per client)."""
    script = _scripts.get((id(client), source))
    if script is None:
        script = _scripts[(id(client), source)] = client.register_script(source)
    return script(keys=keys, args=args)


def _page_key(request):
    from django.utils.translation import get_language

    # "page-b": pages stored with their version, cut at their holes, as bytes (older formats differ).
    return f"reader-page-b:{get_language()}:{_digest(request.path, *sorted(request.GET.items()))}"


def _stored_page(request):
    """``(key, version, stored)``: the page's key, the current version, the stored page or None.

    The page's key leaves the version out and the stored value carries the version it was made
    under, so both are read in one round trip: on a spike, serving a page costs one cache
    request. On Redis that request is a small server-side script that also counts the reader's
    view of a cached article (``view_counter``); elsewhere it is one ``get_many()``. A page made
    under an older version is simply not used. The version read here is also the request's
    (``reader_pages_version()``), so a page rendered after a miss asks the cache for nothing more.
    """
    key = _page_key(request)
    client = redis_client()
    if client is None:
        found = cache.get_many([VERSION_KEY, key])
        version, stored = found.get(VERSION_KEY), found.get(key)
    else:
        version, stored = _redis_lookup(client, request, key)
    if version is None:
        version = _read_version()
    if _request_version.get() is not None:
        _request_version.set(version)
    return key, version, stored


def _redis_lookup(client, request, key):
    keys = [cache.make_and_validate_key(VERSION_KEY), cache.make_and_validate_key(key)]
    counting = view_counter(request) if view_counter is not None else None
    if counting is not None:
        keys += [cache.make_and_validate_key(name) for name in counting]
    args = [max(1, settings.VIEW_REPEAT_SECONDS)]
    version, raw_page, counted = run_script(client, _LOOKUP_SCRIPT, keys, args)
    if counted:
        request.view_counted = True  # the counting middleware leaves this request alone
    stored = None
    if raw_page is not None:
        # Our own cache, written by _store_page(): as trusted as Django's RedisCache, which
        # pickles every value it stores.
        stored = pickle.loads(raw_page.partition(b"\n")[2])  # noqa: S301
    return (int(version) if version is not None else None), stored


def _store_page(key, stored, timeout):
    """Store a page; on Redis as raw bytes under the cache's own full key (so that
    ``cache.delete(key)`` removes it like any other entry)."""
    client = redis_client()
    if client is None:
        cache.set(key, stored, timeout)
        return
    payload = str(stored[0]).encode() + b"\n" + pickle.dumps(stored, pickle.HIGHEST_PROTOCOL)
    client.set(cache.make_and_validate_key(key), payload, ex=max(1, int(timeout)))


# A page that must be rendered again (the version moved on, or it expired) is rendered by one
# request at a time: whoever claims the rebuild renders it; meanwhile others are served the
# previous copy, for the few milliseconds that takes (bounded by REBUILD_CLAIM_SECONDS should
# the renderer die). Without this, a change during a spike sends every worker of every server
# to render the same page at once. Stored pages outlive their freshness by STALE_GRACE_SECONDS
# so that a previous copy exists to serve.
REBUILD_CLAIM_SECONDS = 10
STALE_GRACE_SECONDS = 60


def _claim_rebuild(key, version):
    return cache.add(f"{key}:rebuild:{version}", 1, timeout=REBUILD_CLAIM_SECONDS)


def _release_rebuild(key, version):
    cache.delete(f"{key}:rebuild:{version}")


def _serve_stored(request, stored):
    _version, pieces, content_type, _valid_until, charset = stored
    return HttpResponse(fill_page_holes(request, pieces, charset), content_type=content_type)


def _render_and_store(view, request, args, kwargs, key, version, had_copy):
    """Render the page; store it if readers may share it, else forget any previous copy."""
    try:
        response = view(request, *args, **kwargs)
    except Http404:
        if had_copy:
            cache.delete(key)  # unpublished or deleted: no previous copy for anyone
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
        fresh = (version, pieces, response["Content-Type"], time.time() + timeout, response.charset)
        _store_page(key, fresh, timeout + STALE_GRACE_SECONDS)
    elif had_copy:
        # Moved (a corrected slug) or no longer shareable: the previous copy must not be
        # served to anyone, not even during a rebuild.
        cache.delete(key)
    return response


def cache_page_for_readers(view):
    """Serve ``view``'s successful HTML pages from the readers' cache, holes filled per request."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            request.method not in {"GET", "HEAD"}
            or set(request.GET) - PAGE_PARAMETERS
            or any(len(value) > 9 for value in request.GET.values())
            or settings.READER_CACHE_SECONDS <= 0
            or not settings.READER_PAGE_CACHE
            or not reader_cache_applies(request)
        ):
            return view(request, *args, **kwargs)
        key, version, stored = _stored_page(request)
        # The expiry is checked here too: cache timeouts are whole seconds, kept by Redis's clock.
        if stored is not None and stored[0] == version and stored[3] > time.time():
            return _serve_stored(request, stored)
        if stored is not None and not _claim_rebuild(key, version):
            return _serve_stored(request, stored)  # another request is rendering it right now
        try:
            return _render_and_store(view, request, args, kwargs, key, version, had_copy=stored is not None)
        finally:
            if stored is not None:
                _release_rebuild(key, version)

    return wrapper
