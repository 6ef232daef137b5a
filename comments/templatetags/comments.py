"""The "شارك بتعليقك" block of the article page, in two separable parts.

``{% comment_section article %}`` renders ``{% comment_list article %}`` (the approved
comments: the same for every reader, so it may be cached; key it on the article, the
``cpage`` query value and the language; tagged with the article's comments) and
``{% comment_form article %}`` (the per-reader part: CSRF token, notices, the reply target,
which must never be cached).

The list costs two queries whatever the number of comments: one aggregate for the approved
count and the number of threads, then (when there are some) one page of top-level comments
together with every reply of those threads, found through the ``thread`` column.
"""

from django import template
from django.conf import settings
from django.db.models import Count, Q

from articles.pagination import paginate

from ..formatting import comment_html
from ..forms import CommentForm
from ..models import Comment, accepts_comments
from ..views import read_posted_flag

register = template.Library()


def _nest(roots, replies):
    """Attach ``shown_replies`` to every comment; replies whose parent is not shown are dropped."""
    shown = {comment.pk: comment for comment in [*roots, *replies]}
    for comment in shown.values():
        comment.shown_replies = []
    for reply in replies:
        parent = shown.get(reply.parent_id)
        if parent is not None:
            parent.shown_replies.append(reply)
    return roots


@register.inclusion_tag("comments/section.html", takes_context=True)
def comment_section(context, article):
    request = context.get("request")
    params = request.GET if request is not None else {}
    return {
        "article": article,
        "request": request,
        # Read here, not as request.GET.x in the template: a missing key there costs a dir() of
        # the QueryDict on every page.
        "cpage": params.get("cpage"),
        "own_form": any(params.get(name) for name in ("replyto", "comment", "reported")),
    }


class _CountedThreads:
    """Top-level comments for the paginator, with their number already known.

    The count comes from the same aggregate as the total shown in the heading, so paginating
    costs no query of its own; only the page's slice is fetched.
    """

    ordered = True

    def __init__(self, queryset, count):
        self.queryset = queryset
        self._count = count

    def count(self):
        return self._count

    def __len__(self):
        return self._count

    def __getitem__(self, index):
        return self.queryset[index]


@register.inclusion_tag("comments/_list.html", takes_context=True)
def comment_list(context, article):
    request = context.get("request")
    approved = Comment.objects.approved().filter(article=article)
    counts = approved.aggregate(total=Count("id"), threads=Count("id", filter=Q(parent__isnull=True)))
    roots = approved.filter(parent__isnull=True).order_by("created_at", "id")
    page = paginate(
        request, _CountedThreads(roots, counts["threads"]), settings.COMMENTS_PER_PAGE, param="cpage"
    )
    threads, replies = [], []
    if counts["threads"]:
        # The page's threads and all their replies in one query: the page's top-level ids are
        # a subquery (LIMIT/OFFSET in SQL), used for the roots and for the replies' thread.
        page_ids = roots.values("pk")[page.start_index() - 1 : page.end_index()]
        shown = approved.filter(pk__in=page_ids).order_by()
        if counts["total"] > counts["threads"]:  # some comments are replies
            shown = shown.union(approved.filter(thread__in=page_ids).order_by(), all=True)
        for comment in shown.order_by("created_at", "id"):
            (threads if comment.parent_id is None else replies).append(comment)
    return {
        "article": article,
        "count": counts["total"],
        "threads": _nest(threads, replies),
        "page": page,
        "max_depth": settings.COMMENTS_MAX_DEPTH,
        "open": accepts_comments(article),
    }


@register.inclusion_tag("comments/_form.html", takes_context=True)
def comment_form(context, article, form=None, heading_level=3):
    """The comment form; its title ranks ``heading_level`` (3 under the article page's comments
    heading, 2 on the page that is only the form)."""
    request = context.get("request")
    params = request.GET if request is not None else {}
    reply_to = None
    if form is None:
        form = CommentForm(article=article)
        raw_reply = params.get("replyto", "")
        if raw_reply.isdigit() and len(raw_reply) < 12:
            reply_to = Comment.objects.approved().filter(article=article, pk=int(raw_reply)).first()
            if reply_to is not None:
                form.initial["parent"] = reply_to.pk
    elif form.parent_comment is not None:
        reply_to = form.parent_comment
    reported = params.get("reported", "")
    return {
        "article": article,
        "form": form,
        "reply_to": reply_to,
        "open": accepts_comments(article),
        "posted": read_posted_flag(params.get("comment", "")),
        "reported": reported.isdigit(),
        "request": request,
        "heading_level": heading_level,
    }


@register.filter
def comment_body(text):
    """A comment's plain text as safe HTML: paragraphs, line breaks and nofollow links."""
    return comment_html(text)
