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

With STAFF_2FA on, whoever must give a second factor is not signed in by the password: the
password step hands over to the code step (kawalis/two_factor.py), whose attempts count against
the same limits; the username's count is cleared only once the code is right.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils.http import urlencode
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
        from . import two_factor  # its models need the app registry, ready by now

        if not two_factor.is_required(self.get_user()):
            # With a code still to come, the username's count is kept for the code attempts.
            limit.clear(identity=username)
        return cleaned_data


class PasswordStepLoginView(LoginView):
    """Django's login view, except that who must give a code is sent to the code step instead of
    being signed in."""

    def form_valid(self, form):
        from . import two_factor

        user = form.get_user()
        if not two_factor.is_required(user):
            return super().form_valid(form)
        two_factor.begin(self.request, user)
        query = urlencode({REDIRECT_FIELD_NAME: self.get_redirect_url() or reverse("admin:index")})
        return HttpResponseRedirect(f"{reverse('admin:two_factor_code')}?{query}")


class KawalisAdminSite(admin.AdminSite):
    login_form = ThrottledAdminAuthenticationForm
    # The newsroom's own name on every admin page, not "Django administration".
    site_header = _("Kawalis Al-Yawm newsroom")
    site_title = _("Kawalis Al-Yawm newsroom")
    index_title = _("Editors’ desk")

    def has_permission(self, request):
        from . import two_factor

        if not super().has_permission(request):
            return False
        # A session from before STAFF_2FA, or from any way round the code step: sign in again.
        # (otp_device: set by django-otp's middleware, or by the code step's sign-in just now.)
        return (
            not two_factor.is_required(request.user) or getattr(request.user, "otp_device", None) is not None
        )

    def get_urls(self):
        from . import two_factor

        def view(cls):
            return cls.as_view(site=self)

        return [
            path("two-factor/code/", view(two_factor.CodeStepView), name="two_factor_code"),
            path("two-factor/enrol/", view(two_factor.EnrolView), name="two_factor_enrol"),
            path("two-factor/", self.admin_view(view(two_factor.StatusView)), name="two_factor"),
            *super().get_urls(),
        ]

    def login(self, request, extra_context=None):
        """AdminSite.login (Django 5.2) with PasswordStepLoginView, and 429 when throttled."""
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        response = PasswordStepLoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form,
            template_name=self.login_template or "admin/login.html",
        )(request)
        form = (getattr(response, "context_data", None) or {}).get("form")
        if getattr(form, "throttled", False):
            response.status_code = 429  # Too Many Requests: monitoring sees the attack
        return response
