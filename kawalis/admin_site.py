"""The admin site, with sign-in throttled against password guessing.

Failed sign-ins are counted in the shared cache (Redis in production, so every web server
sees the same counts) per username and per client address, over a window of
LOGIN_THROTTLE_SECONDS. Past LOGIN_FAILURES_PER_USERNAME failures for one username, or
LOGIN_FAILURES_PER_ADDRESS from one address, sign-in is refused without even checking the
password, with a clear message and HTTP 429, until the window ends. A successful sign-in
clears its username's count. Usernames are hashed in cache keys: no personal data in Redis.
"""

import hashlib

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .client_address import client_address


class LoginThrottle:
    def __init__(self, request, username):
        digest = hashlib.sha256((username or "").strip().lower().encode()).hexdigest()[:32]
        self.limits = {
            f"login-failures:user:{digest}": settings.LOGIN_FAILURES_PER_USERNAME,
            f"login-failures:address:{client_address(request)}": settings.LOGIN_FAILURES_PER_ADDRESS,
        }
        self.username_key = f"login-failures:user:{digest}"

    def is_blocked(self):
        counts = cache.get_many(list(self.limits))
        return any(counts.get(key, 0) >= limit for key, limit in self.limits.items())

    def record_failure(self):
        for key in self.limits:
            # add() starts the window only on the first failure; incr() keeps its expiry.
            cache.add(key, 0, timeout=settings.LOGIN_THROTTLE_SECONDS)
            try:
                cache.incr(key)
            except ValueError:  # expired between add() and incr(): start a new window
                cache.set(key, 1, timeout=settings.LOGIN_THROTTLE_SECONDS)

    def clear_username(self):
        cache.delete(self.username_key)


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "throttled": _(
            "Too many failed sign-in attempts. For your security, sign-in is paused for a few "
            "minutes; please try again later."
        ),
    }
    throttled = False

    def clean(self):
        throttle = LoginThrottle(self.request, self.cleaned_data.get("username"))
        if throttle.is_blocked():
            self.throttled = True
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned_data = super().clean()
        except ValidationError:
            throttle.record_failure()
            raise
        throttle.clear_username()
        return cleaned_data


class KawalisAdminSite(admin.AdminSite):
    login_form = ThrottledAdminAuthenticationForm
    # The newsroom's own name on every admin page, not "Django administration".
    site_header = _("Kawalis Al-Yawm newsroom")
    site_title = _("Kawalis Al-Yawm newsroom")
    index_title = _("Editors’ desk")

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if getattr(form, "throttled", False):
            response.status_code = 429  # Too Many Requests: monitoring sees the attack
        return response
