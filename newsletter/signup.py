"""What happens around a signup besides the model: the per-IP flood limit and the e-mail."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)

FLOOD_WINDOW_SECONDS = 3600


def signup_allowed(ip):
    """Count this signup post against its IP address; False once the hour's allowance is spent.

    ``cache.add`` then ``cache.incr`` are each atomic on Redis and in local memory, so
    simultaneous posts from one address cannot all read the same count and slip through.
    """
    key = f"newsletter:signups:{ip or 'unknown'}"
    cache.add(key, 0, timeout=FLOOD_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr: a new window starts
        cache.set(key, 1, timeout=FLOOD_WINDOW_SECONDS)
        count = 1
    return count <= settings.NEWSLETTER_SIGNUPS_PER_IP


def send_confirmation(subscriber):
    """The double opt-in e-mail, in the subscriber's language. Returns False if SMTP failed."""
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
