"""What happens around a signup besides the model: the flood limit and the confirmation e-mail."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from kawalis.ratelimit import Limit

logger = logging.getLogger(__name__)

FLOOD_WINDOW_SECONDS = 3600


def signup_limit():
    """Signup posts per address and per network (its /24, or /64 for IPv6) over an hour."""
    return Limit(
        "newsletter-signup",
        window=FLOOD_WINDOW_SECONDS,
        per_address=settings.NEWSLETTER_SIGNUPS_PER_IP,
        per_network=settings.NEWSLETTER_SIGNUPS_PER_NETWORK,
    )


def send_confirmation(subscriber):
    """The double opt-in e-mail, in the subscriber's language. Returns False if SMTP failed.

    Sent by the worker (``newsletter.tasks.record_signup``), never inside the signup request: how
    long the request takes must not tell whether the address was already on the list.
    """
    with translation.override(subscriber.language):
        context = {
            "subscriber": subscriber,
            "confirm_url": subscriber.confirmation_url(),
            "confirm_days": settings.NEWSLETTER_CONFIRM_DAYS,
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
            "LANGUAGE_CODE": subscriber.language,
            "LANGUAGE_DIR": "rtl" if translation.get_language_bidi() else "ltr",
        }
        subject = render_to_string("newsletter/email/confirm_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=render_to_string("newsletter/email/confirm.txt", context),
            to=[subscriber.email],
        )
        message.attach_alternative(render_to_string("newsletter/email/confirm.html", context), "text/html")
    try:
        message.send()
    except Exception:
        # The reader still sees "check your inbox" (the page must not tell who is subscribed);
        # clearing the stamp lets their next try send at once instead of waiting out the limit.
        logger.exception("Could not send the newsletter confirmation to subscriber %s", subscriber.pk)
        type(subscriber).objects.filter(pk=subscriber.pk).update(confirmation_sent_at=None)
        return False
    return True
