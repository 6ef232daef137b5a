"""Holes: the few per-reader strings in a cached page or fragment, filled afresh for each reader.

A cached page keeps the CSRF token of its forms, any CSP nonce, and whatever other apps register
(the comment form's time token) as holes: the page is cut at them once, when it is stored, and
each reader's response fills them in. A hole is cut only where the string is the one this very
request put there (a CSRF token made from this reader's secret, this response's nonce, a token
the app's own check accepts, such as one the site signed): text in an article that merely looks like a hole
(``name="csrfmiddlewaretoken" value="X"``) is the article's, and stays as it was written.
"""

import re
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token


@dataclass
class Hole:
    pattern: re.Pattern
    fill: object  # fill(request, match) -> str: what this reader gets in its place
    genuine: object  # genuine(request, match) -> bool: whether this request put it there


_holes = []
_all_holes = None


def hole(pattern, genuine):
    """Register ``fill(request, match) -> str`` for every genuine match of ``pattern``.

    ``genuine(request, match)`` says whether the match is the request's own (made while the
    page was rendered), not text that happens to look the same. Apps register theirs in
    ``AppConfig.ready()``.
    """

    def register(fill):
        global _all_holes
        _holes.append(Hole(re.compile(pattern), fill, genuine))
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


def encode(pieces, charset="utf-8"):
    """The text between the holes as bytes, encoded once when the page is stored (encoding a
    whole Arabic page to UTF-8 cost more than the rest of serving it). Holes stay text."""
    return [piece.encode(charset) if index % 2 == 0 else piece for index, piece in enumerate(pieces)]


def fill(request, pieces, charset="utf-8"):
    """The pieces with every hole filled for ``request`` (bytes when the pieces between the
    holes are bytes)."""
    filled = list(pieces)
    as_bytes = isinstance(filled[0], bytes)
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
# Every page served from the readers' cache gets a CSRF token of its own. Django's get_token()
# draws each of the 32 characters of a new secret and of its mask with secrets.choice(): 64
# draws, the costliest step of serving a cached page. The same characters come from one read of
# the OS's random bytes here: each byte below 248 stands for one of the 62 allowed characters
# (248 = 4 x 62, so each character is equally likely), the other bytes are dropped. The token is
# masked exactly as Django masks it, so the middleware checks it as its own.

_CHARS = CSRF_ALLOWED_CHARS
_USABLE = 4 * len(_CHARS)
_BYTE_TO_CHAR = bytes.maketrans(bytes(range(_USABLE)), (_CHARS * 4).encode())
_DROPPED = bytes(range(_USABLE, 256))
_INDEX = {char: index for index, char in enumerate(_CHARS)}


def random_csrf_string(length=CSRF_SECRET_LENGTH):
    """``length`` characters drawn uniformly from Django's CSRF alphabet."""
    drawn = b""
    while len(drawn) < length:
        drawn += secrets.token_bytes(length + 8).translate(_BYTE_TO_CHAR, _DROPPED)
    return drawn[:length].decode()


def page_csrf_token(request):
    """What ``django.middleware.csrf.get_token()`` returns, drawn faster: a fresh mask over the
    reader's CSRF secret (a new secret, sent as a cookie by the middleware, if none yet)."""
    if settings.CSRF_USE_SESSIONS:
        return get_token(request)  # the secret lives in the session: Django's own path
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = request.META["CSRF_COOKIE"] = random_csrf_string()
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # sent (again) as get_token() would
    mask = random_csrf_string()
    size = len(_CHARS)
    cipher = "".join(_CHARS[(_INDEX[s] + _INDEX[m]) % size] for s, m in zip(secret, mask, strict=True))
    return mask + cipher


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
    # Every form of the page gets the same masked token: each call masks the secret afresh.
    token = request.META.get("KAWALIS_PAGE_CSRF_TOKEN")
    if token is None:
        token = request.META["KAWALIS_PAGE_CSRF_TOKEN"] = page_csrf_token(request)
    return f'name="csrfmiddlewaretoken" value="{token}"'


def _is_own_nonce(request, match):
    nonce = getattr(request, "_csp_nonce", None)  # django-csp's, set once a nonce was drawn
    return nonce is not None and match.group(1) == str(nonce)


@hole(r' nonce="([^"]*)"', genuine=_is_own_nonce)
def _fresh_csp_nonce(request, match):
    nonce = getattr(request, "csp_nonce", None)
    return f' nonce="{nonce}"' if nonce is not None else ""
