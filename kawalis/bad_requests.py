"""Requests no page of ours can mean: refused with 400 before anything reads them.

A NUL byte (or another control character) in the path names no article, tag or section, and
PostgreSQL refuses it in any text parameter ("a string literal cannot contain NUL
characters"): ``/tag/%00/`` was a 500. So was an admin list filtered on ``?status=%00``: the
admin's filters hand query values to the database as they come, so the admin's queries are
checked too. Reader views check their own query values (the search form says what is wrong
with a query; page numbers must be page numbers). The answer is the site's 400 page
(templates/400.html), the same on SQLite and PostgreSQL.
"""

import re

from django.core.exceptions import SuspiciousOperation

# C0 controls and DEL; a tab or a new line has no place in a path or an admin filter either.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ADMIN = re.compile(r"^/(?:[a-z]{2}/)?admin/")


class ControlCharacterInRequest(SuspiciousOperation):
    """Answered 400 by Django (a SuspiciousOperation), logged on django.security."""


class RefuseControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        query = request.META.get("QUERY_STRING")
        if _CONTROL.search(path) or (query and _ADMIN.match(path) and _query_has_control(request)):
            raise ControlCharacterInRequest("A control character in the path or the query.")
        return self.get_response(request)


def _query_has_control(request):
    for key, values in request.GET.lists():
        if _CONTROL.search(key) or any(_CONTROL.search(value) for value in values):
            return True
    return False
