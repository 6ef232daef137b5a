"""The readers' side of push alerts: subscribing, unsubscribing, and the service worker."""

import json
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET, require_POST

from kawalis.csrf import cross_origin_protected
from kawalis.ratelimit import Limit

from . import push
from .models import Subscription
from .subscriptions import InvalidSubscription, parse_endpoint, parse_subscription

SERVICE_WORKER = Path(__file__).resolve().parent / "service_worker.js"
FLOOD_WINDOW_SECONDS = 3600


def subscribe_limit():
    """Subscribe and unsubscribe posts per address and per network (/24, /64) over an hour."""
    return Limit(
        "alerts-subscribe",
        window=FLOOD_WINDOW_SECONDS,
        per_address=settings.ALERTS_SUBSCRIBES_PER_IP,
        per_network=settings.ALERTS_SUBSCRIBES_PER_NETWORK,
    )


def _answer(status, message="", **data):
    response = JsonResponse(
        {"ok": 200 <= status < 300, **({"error": message} if message else {}), **data}, status=status
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _guarded(view):
    """Off without VAPID keys (404); rate-limited; a cross-site POST refused (kawalis/csrf.py).

    The posts come from the site's own script on shared, cached pages: like the footer signup,
    no CSRF token (it would be one reader's secret on a page kept for everyone), and the
    browser's Sec-Fetch-Site/Origin must say same-origin.
    """

    @cross_origin_protected
    @require_POST
    def wrapper(request):
        if not push.enabled():
            raise Http404
        if not subscribe_limit().hit(request).allowed:
            response = _answer(429, gettext("Too many requests: try again in a while."))
            response["Retry-After"] = str(FLOOD_WINDOW_SECONDS)
            return response
        if request.content_type != "application/json":
            return _answer(400, gettext("Send the subscription as JSON."))
        try:
            return view(request)
        except InvalidSubscription as error:
            return _answer(400, str(error))

    return wrapper


@_guarded
def subscribe(request):
    """Record (or refresh) a browser's subscription, in the language of the page it came from."""
    endpoint, p256dh, auth = parse_subscription(request.body)
    language = get_language() or settings.LANGUAGE_CODE
    _subscription, created = Subscription.objects.update_or_create(
        endpoint=endpoint, defaults={"p256dh": p256dh, "auth": auth, "language": language}
    )
    return _answer(201 if created else 200, language=language)


@_guarded
def unsubscribe(request):
    """Forget a subscription: knowing its endpoint (the browser's secret) is the proof."""
    try:
        data = json.loads(request.body)
    except ValueError as error:
        raise InvalidSubscription(gettext("Send the subscription as JSON.")) from error
    endpoint = parse_endpoint(data.get("endpoint") if isinstance(data, dict) else None)
    Subscription.objects.filter(endpoint=endpoint).delete()
    return _answer(200)


@require_GET
def service_worker(request):
    """``/alerts-sw.js``: served from the root so that its scope may be the whole site.

    ``Service-Worker-Allowed: /`` says so explicitly; ``no-cache`` lets browsers pick up a new
    version at once (they check for updates at least daily anyway).
    """
    if not push.enabled():
        raise Http404
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response
