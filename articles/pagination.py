"""Pagination that never fails on a reader's bad input.

``?page=abc`` or ``?page=99999`` must not answer 500 (a known failing of other CMSs). A page
past the end answers 404: it is no page of ours, and each such address would otherwise be one
more page stored in the readers' cache. (On cached reader pages a value that is not a page
number at all, ``abc`` or ``02``, answers 404 before the view runs; elsewhere, as on the
search page, it shows the first page.)
"""

from django.core.paginator import EmptyPage, Paginator
from django.http import Http404


def paginate(request, object_list, per_page, param="page"):
    paginator = Paginator(object_list, per_page)
    raw = request.GET.get(param, "1")
    if not (raw.isascii() and raw.isdigit() and 0 < len(raw) <= 9 and int(raw) > 0):
        return paginator.page(1)
    try:
        return paginator.page(int(raw))
    except EmptyPage:
        if int(raw) == 1:
            return paginator.page(1)  # an empty list still has its first page
        raise Http404("No such page.") from None
