"""Reader pages of the newsletter: signup, confirmation, leaving (with RFC 8058 one-click)."""

from functools import partial

from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kawalis.client_address import client_address, stored_network
from kawalis.csrf import cross_origin_protected
from kawalis.outages import answers_503_while_the_database_is_away

from .forms import SignupForm, consent_text
from .models import ExpiredToken, InvalidToken, Subscriber
from .signup import signup_limit
from .tasks import record_signup


def _no_store(response):
    # Token pages are personal: no shared cache may keep them.
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _not_recorded_page(request):
    """The signup form again, with the address that was sent (the database is away)."""
    return render(request, "newsletter/unavailable.html", {"form": SignupForm(request.POST)})


@cross_origin_protected
@answers_503_while_the_database_is_away(_not_recorded_page)
@require_http_methods(["GET", "POST"])
def subscribe(request):
    if request.method == "GET":
        return render(request, "newsletter/signup.html", {"form": SignupForm()})
    if not signup_limit().hit(request).allowed:
        return render(request, "newsletter/too_many.html", status=429)
    form = SignupForm(request.POST)
    if not form.is_valid():
        return render(request, "newsletter/signup.html", {"form": form}, status=400)
    # The worker records it and mails the confirmation: the request does the same work whatever
    # the address's state, so neither its answer nor how long it takes tells who is subscribed.
    signup = {
        "email": form.cleaned_data["email"],
        "language": get_language(),
        "consent_text": str(consent_text()),
        "network": stored_network(client_address(request)),  # never the address itself
        "consented_at": timezone.now().isoformat(),
    }
    transaction.on_commit(partial(record_signup.enqueue, **signup))
    return redirect("newsletter:check_inbox")


def check_inbox(request):
    return render(request, "newsletter/check_inbox.html")


def confirm(request, token):
    try:
        subscriber = Subscriber.objects.from_confirmation_token(token)
    except ExpiredToken:
        return _no_store(
            render(
                request, "newsletter/invalid_link.html", {"form": SignupForm(), "expired": True}, status=400
            )
        )
    except InvalidToken:
        return _no_store(render(request, "newsletter/invalid_link.html", {"form": SignupForm()}, status=400))
    if subscriber.status == Subscriber.Status.PENDING:
        subscriber.confirm()
    if subscriber.status != Subscriber.Status.CONFIRMED:
        # Left (or bounced) since this link was sent: only a new signup brings them back.
        return _no_store(render(request, "newsletter/invalid_link.html", {"form": SignupForm()}, status=400))
    return _no_store(render(request, "newsletter/confirmed.html", {"subscriber": subscriber}))


@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    try:
        subscriber = Subscriber.objects.from_unsubscribe_token(token)
    except InvalidToken:
        return _no_store(
            render(
                request,
                "newsletter/invalid_link.html",
                {"form": SignupForm(), "unsubscribe": True},
                status=400,
            )
        )
    if request.method == "POST":
        subscriber.unsubscribe()
        return _no_store(render(request, "newsletter/unsubscribed.html", {"subscriber": subscriber}))
    return _no_store(render(request, "newsletter/unsubscribe.html", {"subscriber": subscriber}))


@csrf_exempt  # RFC 8058: the mailbox provider posts without cookies, so no CSRF token exists.
@require_http_methods(["GET", "POST"])
def one_click_unsubscribe(request, token):
    """``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` lands here.

    Safe without CSRF: the signed token is the authorisation, and the only effect is leaving.
    A person who opens the address in a browser gets the page with the button instead.
    """
    if request.method == "GET":
        return redirect("newsletter:unsubscribe", token=token)
    try:
        subscriber = Subscriber.objects.from_unsubscribe_token(token)
    except InvalidToken:
        return _no_store(
            HttpResponse(gettext("This unsubscribe link is invalid."), status=400, content_type="text/plain")
        )
    subscriber.unsubscribe()
    return _no_store(HttpResponse(gettext("You have left the mailing list."), content_type="text/plain"))
