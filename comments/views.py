"""Readers' side of comments: posting (post/redirect/get), reporting, unsubscribing.

Every refusal answers a page in the reader's language with the form and what they typed:
400-level codes say what happened (403 closed, 429 too many), never a 500; a comment that
cannot be stored (the database is away) is a 503 with the text kept (kawalis/outages.py).
"""

from django.conf import settings
from django.core import signing
from django.db.models import F
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from articles.models import Article
from kawalis.client_address import client_address, stored_network
from kawalis.csrf import cross_origin_protected
from kawalis.outages import answers_503_while_the_database_is_away

from . import spam
from .forms import CommentForm
from .models import Comment, accepts_comments
from .notifications import moderators_due
from .tasks import send_moderator_notice

POSTED_SALT = "comments.posted"
UNSUBSCRIBE_SALT = "comments.unsubscribe"


def _published_article(pk):
    article = get_object_or_404(Article.objects.select_related("category"), pk=pk)
    if not article.is_published:
        raise Http404("No published article with this number.")
    return article


def _form_page(request, article, form, status=200, message=None, closed=False):
    response = render(
        request,
        "comments/form_page.html",
        {"article": article, "form": form, "message": message, "closed": closed},
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response


def posted_flag(comment):
    """The signed query value that makes the article page show "your comment awaits moderation"."""
    shown = "approved" if comment.is_approved else "pending"
    return signing.dumps(shown, salt=POSTED_SALT)


def read_posted_flag(value):
    """ "approved" or "pending" from a fresh, genuine flag; None for anything else."""
    try:
        shown = signing.loads(value, salt=POSTED_SALT, max_age=3600)
    except signing.BadSignature:
        return None
    return shown if shown in {"approved", "pending"} else None


def _not_stored_page(request, article_pk):
    """The comment form again, filled with what was sent, without the database: the article
    is known by its number only (its title would need a query)."""
    form = CommentForm(request.POST, article=Article(pk=article_pk))
    return render(request, "comments/unavailable.html", {"form": form, "article_pk": article_pk})


@cross_origin_protected
@answers_503_while_the_database_is_away(_not_stored_page)
@require_http_methods(["GET", "POST"])
def post_comment(request, article_pk):
    article = _published_article(article_pk)
    if request.method == "GET":
        return redirect(f"{article.get_absolute_url()}#respond")
    form = CommentForm(request.POST, article=article, network=stored_network(client_address(request)))
    if not accepts_comments(article):
        message = _("Comments are closed for this article.")
        return _form_page(request, article, form, status=403, closed=True, message=message)
    if not spam.post_limit().hit(request).allowed:
        return _rate_limited(request, article, form)
    if not form.is_valid():
        return _form_page(request, article, form)
    if not spam.author_limit().hit(identity=form.cleaned_data["email"]).allowed:
        return _rate_limited(request, article, form)
    comment = form.build_comment(
        language=get_language(), user_agent=request.headers.get("User-Agent", "")[:255]
    )
    comment.save()
    if comment.status == Comment.Status.PENDING and moderators_due():
        send_moderator_notice.enqueue()
    query = urlencode({"comment": posted_flag(comment)})
    anchor = f"comment-{comment.pk}" if comment.is_approved else "respond"
    return redirect(f"{article.get_absolute_url()}?{query}#{anchor}")


def _rate_limited(request, article, form):
    message = _("You have sent too many comments in a short time. Please wait a few minutes and try again.")
    context = {"article": article, "message": message, "body": form.data.get("body", "")}
    response = render(request, "comments/rate_limited.html", context, status=429)
    response["Retry-After"] = str(settings.COMMENTS_RATE_WINDOW)
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def report_comment(request, pk):
    """A reader flags an approved comment for the moderators (confirmation page, then POST)."""
    comment = get_object_or_404(
        Comment.objects.approved().select_related("article", "article__category"), pk=pk
    )
    article = comment.article
    if not article.is_published:
        raise Http404("No published article with this number.")
    context = {"comment": comment, "article": article}
    if request.method == "POST":
        if not spam.report_limit().hit(request).allowed:
            context["message"] = _("You have reported many comments in a short time. Please try again later.")
            response = render(request, "comments/report.html", context, status=429)
            response["Retry-After"] = str(spam.REPORT_WINDOW)
            return response
        if spam.first_report_from(request, comment):
            Comment.objects.filter(pk=comment.pk).update(report_count=F("report_count") + 1)
        query = urlencode({"reported": comment.pk})
        return redirect(f"{article.get_absolute_url()}?{query}#respond")
    response = render(request, "comments/report.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


def unsubscribe_token(comment):
    return signing.dumps(comment.pk, salt=UNSUBSCRIBE_SALT)


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """Stop reply e-mails for the address of the signed comment (GET asks, POST does it).

    GET never changes anything: mail scanners open links before people do.
    """
    try:
        pk = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        comment = Comment.objects.select_related("article").get(pk=pk)
    except (signing.BadSignature, Comment.DoesNotExist, TypeError, ValueError):
        response = render(request, "comments/unsubscribe.html", {"invalid": True}, status=404)
        return response
    done = False
    if request.method == "POST":
        Comment.objects.for_email(comment.email).update(notify_replies=False)
        done = True
    response = render(request, "comments/unsubscribe.html", {"comment": comment, "done": done})
    response["X-Robots-Tag"] = "noindex"
    return response
