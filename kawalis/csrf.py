"""What a reader sees when a form fails Django's CSRF check, and how nothing typed is lost.

A reader who opened the article yesterday, or whose browser dropped the CSRF cookie, posts a
comment and fails the check. Django's default answer is a bare English 403 page and the
comment is gone. Ours (``CSRF_FAILURE_VIEW``) is the site's own page in the reader's language;
for the reader forms that opt in with ``@resend_after_csrf_failure`` it also shows what was
typed in a form with a fresh token, so one click sends it again.

Only views that opt in get their fields echoed, and only to the same path. Echoing a forged
cross-site POST into a form of ours would let another site put words in a reader's mouth at
the cost of one click; the opt-in forms are anonymous reader forms whose every field is shown
before it is sent again (comments still go to moderation, signups still need the
confirmation e-mail). Admin and account forms never opt in.
"""

import secrets

from django.conf import settings
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.shortcuts import render
from django.urls import Resolver404, resolve

MAX_FIELDS = 20
MAX_VALUE_LENGTH = 10_000


def resend_after_csrf_failure(**visible):
    """Mark a view whose form may be offered again after a CSRF failure.

    ``visible`` maps field names to their labels: those are shown to the reader; any other
    posted field goes back as a hidden one (anti-spam tokens, the reply target).
    """

    def mark(view):
        view.csrf_resend_fields = visible
        return view

    return mark


def _resend_form(request):
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return None
    visible = getattr(match.func, "csrf_resend_fields", None)
    if request.method != "POST" or visible is None:
        return None
    items = [
        (name, value)
        for name, values in request.POST.lists()
        if name != "csrfmiddlewaretoken"
        for value in values
    ]
    if not any(name in visible and value.strip() for name, value in items):
        return None  # nothing typed: nothing to keep
    if len(items) > MAX_FIELDS or any(len(value) > MAX_VALUE_LENGTH for _name, value in items):
        return None
    return {
        "action": request.path,
        "shown": [(visible[name], name, value) for name, value in items if name in visible],
        "hidden": [(name, value) for name, value in items if name not in visible],
    }


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: a clear, translated 403, with the reader's text kept when allowed."""
    response = render(request, "403_csrf.html", {"resend": _resend_form(request)}, status=403)
    response["Cache-Control"] = "private, no-store"
    return response


# --- tokens for cached pages -------------------------------------------------------------------
# Every page served from the readers' cache gets a CSRF token of its own (a "hole" filled per
# request). Django's get_token() draws each of the 32 characters of a new secret and of its mask
# with secrets.choice(): 64 draws, the costliest step of serving a cached page. The same
# characters come from one read of the OS's random bytes here: each byte below 248 stands for
# one of the 62 allowed characters (248 = 4 x 62, so each character is equally likely), the
# other bytes are dropped. The token is masked exactly as Django masks it, so the middleware
# checks it as its own.

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
