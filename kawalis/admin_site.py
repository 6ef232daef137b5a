"""The admin site, with sign-in throttled against password guessing.

Every sign-in attempt is counted (``kawalis/ratelimit.py``) before its password is checked, per
client address, per network (its /24, or /64 for IPv6) and per username, over
LOGIN_THROTTLE_SECONDS. Past LOGIN_FAILURES_PER_ADDRESS, LOGIN_FAILURES_PER_NETWORK or
LOGIN_FAILURES_PER_USERNAME the attempt is refused without checking the password, with a clear
message and HTTP 429, until the window ends. Counting first is what makes the limit hold against
simultaneous guesses: twenty at once for one username get five password checks, not twenty.
A successful sign-in gives its attempt back to its address and network (a newsroom behind one
address signs in every morning) and clears its username's count. Nothing in the cache names an
address or a username: keys are keyed hashes.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .ratelimit import Limit


def sign_in_limit():
    return Limit(
        "admin-sign-in",
        window=settings.LOGIN_THROTTLE_SECONDS,
        per_address=settings.LOGIN_FAILURES_PER_ADDRESS,
        per_network=settings.LOGIN_FAILURES_PER_NETWORK,
        per_identity=settings.LOGIN_FAILURES_PER_USERNAME,
    )


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
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()  # a field is missing: no password is checked
        limit = sign_in_limit()
        attempt = limit.hit(self.request, identity=username)
        if not attempt.allowed:
            self.throttled = True
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        cleaned_data = super().clean()  # a wrong password raises: the attempt stays counted
        attempt.give_back()
        limit.clear(identity=username)
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
