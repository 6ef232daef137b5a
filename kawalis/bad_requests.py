"""Requests no page of ours can mean: refused with 400 before anything reads them.

A NUL byte (or another control character) in the path or the query names no article, tag or
filter, and PostgreSQL refuses it in any text parameter ("a string literal cannot contain NUL
characters"): ``/tag/%00/`` or an admin list filtered on ``?status=%00`` was a 500. Refused
here, the same on SQLite and PostgreSQL, in every view and the admin.
"""

import re

from django.core.exceptions import SuspiciousOperation

# C0 controls and DEL; a tab or a new line has no place in a path or a query value either.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ControlCharacterInRequest(SuspiciousOperation):
    """Answered 400 by Django (a SuspiciousOperation), logged on django.security."""


class RefuseControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING")
        if _CONTROL.search(request.path_info) or (query and _query_has_control(request)):
            raise ControlCharacterInRequest("A control character in the path or the query.")
        return self.get_response(request)


def _query_has_control(request):
    for key, values in request.GET.lists():
        if _CONTROL.search(key) or any(_CONTROL.search(value) for value in values):
            return True
    return False
