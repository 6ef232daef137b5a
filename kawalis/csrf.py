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
