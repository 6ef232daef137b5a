"""Pagination that never fails on a reader's bad input.

``?page=abc`` or ``?page=99999`` must not answer 500 (a known failing of other CMSs):
Django's ``Paginator.get_page`` turns a non-number into the first page and a number past
the end into the last one.
"""

from django.core.paginator import Paginator


def paginate(request, object_list, per_page, param="page"):
    paginator = Paginator(object_list, per_page)
    raw = request.GET.get(param, "1")
    # Over-long numbers are nonsense; treat them like any other bad value.
    return paginator.get_page(raw if len(raw) <= 9 else "1")
