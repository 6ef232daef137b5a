"""Holes: the few per-reader strings in a cached page or fragment, filled afresh for each reader.

A cached page keeps the CSRF token of its forms, any CSP nonce, and whatever other apps register
(the comment form's time token) as holes: the page is cut at them once, when it is stored, and
each reader's response fills them in. A hole is cut only where the string is the one this very
request put there (a CSRF token made from this reader's secret, this response's nonce, a token
the app's own check accepts, such as one the site signed): text in an article that merely looks like a hole
(``name="csrfmiddlewaretoken" value="X"``) is the article's, and stays as it was written.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token


@dataclass
class Hole:
    pattern: re.Pattern
    fill: object  # fill(request, match) -> str: what this reader gets in its place
    genuine: object  # genuine(request, match) -> bool: whether this request put it there
    per_reader: bool  # filled differently for each reader (a secret), not only by the clock


_holes = []
_all_holes = None


def hole(pattern, genuine, per_reader=True):
    """Register ``fill(request, match) -> str`` for every genuine match of ``pattern``.

    ``genuine(request, match)`` says whether the match is the request's own (made while the
    page was rendered), not text that happens to look the same. A hole filled the same way for
    every reader at a given moment (a time token) is not ``per_reader``: a page with only such
    holes may be kept by a shared cache in front (``front.py``). Apps register theirs in
    ``AppConfig.ready()``.
    """

    def register(fill):
        global _all_holes
        _holes.append(Hole(re.compile(pattern), fill, genuine, per_reader))
        _all_holes = None
        return fill

    return register


def _holes_pattern():
    global _all_holes
    if _all_holes is None:
        _all_holes = re.compile("|".join(f"(?:{item.pattern.pattern})" for item in _holes))
    return _all_holes


def _own_hole(request, text):
    for item in _holes:
        match = item.pattern.fullmatch(text)
        if match is not None:
            return item, match
    return None, None


def split(request, html):
    """The page cut at its holes, ``[text, hole, text, hole, ..., text]``: done once, when cached.

    Scanning a page of tens of kilobytes for the holes cost more than the rest of serving it
    from the cache, so the scan happens when the page is stored, not on every request.
    """
    pieces = []
    last = 0
    for match in _holes_pattern().finditer(html):
        item, own = _own_hole(request, match.group(0))
        if item is None or not item.genuine(request, own):
            continue  # the page's own text
        pieces.extend((html[last : match.start()], match.group(0)))
        last = match.end()
    pieces.append(html[last:])
    return pieces


def holds_per_reader(request, pieces):
    """Whether any hole of the split page is filled differently for each reader."""
    for index in range(1, len(pieces), 2):
        item, _own = _own_hole(request, pieces[index])
        if item is None or item.per_reader:
            return True
    return False


def encode(pieces, charset="utf-8"):
    """The text between the holes as bytes, encoded once when the page is stored (encoding a
    whole Arabic page to UTF-8 cost more than the rest of serving it). Holes stay text."""
    return [piece.encode(charset) if index % 2 == 0 else piece for index, piece in enumerate(pieces)]


def fill(request, pieces, charset="utf-8", encode=None):
    """The pieces with every hole filled for ``request``, the holes encoded to bytes when
    ``encode`` (by default when the pieces between the holes are bytes)."""
    filled = list(pieces)
    as_bytes = isinstance(filled[0], bytes) if encode is None else encode
    for index in range(1, len(filled), 2):
        item, own = _own_hole(request, filled[index])
        if item is not None:
            filled[index] = item.fill(request, own)
        if as_bytes:
            filled[index] = filled[index].encode(charset)
    return filled


def joined(request, pieces, charset="utf-8"):
    """The stored page or fragment with every hole filled for ``request``."""
    filled = fill(request, pieces, charset)
    return b"".join(filled) if isinstance(filled[0], bytes) else "".join(filled)


# --- the CSRF token -----------------------------------------------------------------------------
# Reader forms carry no CSRF token (kawalis/csrf.py): shared pages must hold nothing of one reader.
# A cached page that does hold one (a form someone added with {% csrf_token %}) gets each
# reader's own, never the first reader's: a token handed to others would let them forge that
# reader's posts. Such a page is not public (the hole is per reader).

_CHARS = CSRF_ALLOWED_CHARS
_INDEX = {char: index for index, char in enumerate(_CHARS)}


def _unmasked(token):
    if len(token) != 2 * CSRF_SECRET_LENGTH or any(char not in _INDEX for char in token):
        return None
    mask, cipher = token[:CSRF_SECRET_LENGTH], token[CSRF_SECRET_LENGTH:]
    size = len(_CHARS)
    return "".join(_CHARS[(_INDEX[c] - _INDEX[m]) % size] for c, m in zip(cipher, mask, strict=True))


def _is_own_csrf_token(request, match):
    if settings.CSRF_USE_SESSIONS:
        secret = request.session.get("_csrftoken")
    else:
        secret = request.META.get("CSRF_COOKIE")
    return secret is not None and _unmasked(match.group(1)) == secret


@hole(r'name="csrfmiddlewaretoken" value="([^"]*)"', genuine=_is_own_csrf_token)
def _fresh_csrf_token(request, match):
    return f'name="csrfmiddlewaretoken" value="{get_token(request)}"'


def _is_own_nonce(request, match):
    nonce = getattr(request, "_csp_nonce", None)  # django-csp's, set once a nonce was drawn
    return nonce is not None and match.group(1) == str(nonce)


@hole(r' nonce="([^"]*)"', genuine=_is_own_nonce)
def _fresh_csp_nonce(request, match):
    nonce = getattr(request, "csp_nonce", None)
    return f' nonce="{nonce}"' if nonce is not None else ""
