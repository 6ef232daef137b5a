"""Staff two-factor sign-in (STAFF_2FA): a code from an authenticator app after the password.

With ``STAFF_2FA=1``, superusers and members of the Editor and Administrator groups sign in in
two steps. The password step (kawalis/admin_site.py) does not sign them in: it remembers who
passed it in the session for a few minutes and sends them to the code step, so a stolen
password alone opens nothing. The code step takes the app's six digits (TOTP, django-otp) or one
of the recovery codes (``RecoveryCodeDevice``); whoever has no confirmed app yet is enrolled
there first: scan, confirm with a code, receive ten recovery codes shown once.

Code attempts go through the same sign-in throttle as passwords (per username, address and
network): a right password gives its attempt back but does not clear the username's count, so
re-entering the password never buys more code guesses; only a full sign-in clears it.

A session signed in before STAFF_2FA was turned on, or without a code, is not let into the
admin (``KawalisAdminSite.has_permission``): the user signs in again.
"""

import base64
import time

import segno
from django import forms
from django.conf import settings
from django.contrib import auth
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.generic import View
from django_otp.plugins.otp_totp.models import TOTPDevice

from .admin_site import ThrottledAdminAuthenticationForm, sign_in_limit
from .models import RecoveryCodeDevice

# Who must give a code when STAFF_2FA is on (and every superuser). Reporters and moderators may
# still enrol of their own accord (admin page "Two-factor sign-in").
REQUIRED_GROUPS = ("Editor", "Administrator")

PENDING_SESSION_KEY = "kawalis_two_factor_pending"
# How long the password step stays good for the code step (enough to find the phone).
PENDING_SECONDS = 5 * 60
TOTP_DEVICE_NAME = "authenticator"


def is_required(user):
    """Whether ``user`` must give a second factor to enter the admin."""
    if not settings.STAFF_2FA or not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name__in=REQUIRED_GROUPS).exists()


def confirmed_app(user):
    """The user's confirmed authenticator-app device, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def reset(user):
    """Forget ``user``'s app and recovery codes (a lost phone): they enrol again at next sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()


# --- The pending sign-in, between the password and the code ---------------------------------


def begin(request, user):
    """The password was right: remember ``user`` for the code step (not signed in yet)."""
    request.session[PENDING_SESSION_KEY] = {"user": user.pk, "backend": user.backend, "at": time.time()}


def pending_user(request):
    """Who passed the password step in this session in the last PENDING_SECONDS, or None."""
    pending = request.session.get(PENDING_SESSION_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING_SESSION_KEY, None)
        return None
    user = auth.get_user_model()._default_manager.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user


def finish(request, user, device):
    """Sign ``user`` in, verified by ``device`` (django-otp records it in the new session)."""
    request.session.pop(PENDING_SESSION_KEY, None)
    user.otp_device = device  # django_otp's user_logged_in handler stores it
    auth.login(request, user, backend=user.backend)


# --- Forms -----------------------------------------------------------------------------------


class ThrottledCodeForm(forms.Form):
    """One code, counted by the sign-in throttle before it is checked."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "dir": "ltr", "spellcheck": "false"}
        ),
    )
    error_messages = {
        "throttled": ThrottledAdminAuthenticationForm.error_messages["throttled"],
        "wrong": _("This code is not right. Check the time on your phone and try again."),
    }

    def __init__(self, request, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request
        self.user = user
        self.device = None
        self.throttled = False

    def check(self, code):
        """The device that accepts ``code``, or None."""
        raise NotImplementedError

    def clean(self):
        code = self.cleaned_data.get("code")
        if not code:
            return self.cleaned_data
        limit = sign_in_limit()
        attempt = limit.hit(self.request, identity=self.user.get_username())
        if not attempt.allowed:
            self.throttled = True
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        self.device = self.check(code.strip())
        if self.device is None:
            raise ValidationError(self.error_messages["wrong"], code="wrong")  # stays counted
        attempt.give_back()
        limit.clear(identity=self.user.get_username())
        return self.cleaned_data


class SignInCodeForm(ThrottledCodeForm):
    """The app's six digits, or one recovery code (used up by signing in with it)."""

    def check(self, code):
        app = confirmed_app(self.user)
        if app is not None and app.verify_token(code.replace(" ", "")):
            return app
        for device in RecoveryCodeDevice.objects.filter(user=self.user, confirmed=True):
            if device.verify_token(code):
                return device
        return None


class AppCodeForm(ThrottledCodeForm):
    """A code from one given app: the one being enrolled, or the confirmed one."""

    def __init__(self, request, user, app, *args, **kwargs):
        super().__init__(request, user, *args, **kwargs)
        self.app = app

    def check(self, code):
        return self.app if self.app.verify_token(code.replace(" ", "")) else None


# --- Views -----------------------------------------------------------------------------------


def _safe_next(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("admin:index")


def _context(site, request, **extra):
    return {**site.each_context(request), "next": _safe_next(request), **extra}


def _render(site, request, template, form, **extra):
    response = TemplateResponse(request, template, _context(site, request, form=form, **extra))
    if form is not None and form.throttled:
        response.status_code = 429  # as the password step: monitoring sees the attack
    return response


def new_recovery_codes(user):
    device, _created = RecoveryCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "recovery codes", "confirmed": True}
    )
    return device.replace_codes()


def setup_details(app):
    """What the enrolment page shows: the QR code, the secret as letters and the otpauth URI."""
    uri = app.config_url
    secret = base64.b32encode(app.bin_key).decode().rstrip("=")
    return {
        "qr_code": segno.make(uri, error="m").svg_data_uri(scale=5, border=2),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "otpauth_uri": uri,
    }


@method_decorator([sensitive_post_parameters(), csrf_protect, never_cache], name="dispatch")
class CodeStepView(View):
    """After the password: the code, or enrolment for who has no app yet."""

    site = None

    def dispatch(self, request, *args, **kwargs):
        self.user = pending_user(request)
        if self.user is None:
            return redirect(f"{reverse('admin:login')}?next={_safe_next(request)}")
        if confirmed_app(self.user) is None:
            return redirect(f"{reverse('admin:two_factor_enrol')}?next={_safe_next(request)}")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(SignInCodeForm(request, self.user))

    def post(self, request):
        form = SignInCodeForm(request, self.user, data=request.POST)
        if not form.is_valid():
            return self.render(form)
        finish(request, self.user, form.device)
        return HttpResponseRedirect(_safe_next(request))

    def render(self, form):
        return _render(
            self.site, self.request, "admin/two_factor/code.html", form, title=_("Two-factor sign-in")
        )


@method_decorator([sensitive_post_parameters(), csrf_protect, never_cache], name="dispatch")
class EnrolView(View):
    """Set up the app: scan, confirm with a code, receive the recovery codes (shown once).

    Reached after the password by who must have a second factor and has none, or from the admin
    by a signed-in staff member who has none."""

    site = None

    def dispatch(self, request, *args, **kwargs):
        # Who passed the password step comes first: another account may be signed in already.
        pending = pending_user(request)
        self.signing_in = pending is not None
        self.user = pending or request.user
        if not self.user.is_authenticated or not (self.user.is_active and self.user.is_staff):
            return redirect(f"{reverse('admin:login')}?next={_safe_next(request)}")
        if confirmed_app(self.user) is not None:
            # Already enrolled: the code step (signing in) or the status page (signed in).
            name = "admin:two_factor_code" if self.signing_in else "admin:two_factor"
            return redirect(f"{reverse(name)}?next={_safe_next(request)}")
        self.app, _created = TOTPDevice.objects.get_or_create(
            user=self.user, confirmed=False, defaults={"name": TOTP_DEVICE_NAME}
        )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return self.render(AppCodeForm(request, self.user, self.app))

    def post(self, request):
        form = AppCodeForm(request, self.user, self.app, data=request.POST)
        if not form.is_valid():
            return self.render(form)
        self.app.confirmed = True
        self.app.save(update_fields=["confirmed"])
        codes = new_recovery_codes(self.user)
        if self.signing_in:
            finish(request, self.user, self.app)
        # Shown in this response only, never stored as such: a reload does not show them again.
        return TemplateResponse(
            request,
            "admin/two_factor/recovery_codes.html",
            _context(self.site, request, codes=codes, title=_("Your recovery codes")),
        )

    def render(self, form):
        return _render(
            self.site,
            self.request,
            "admin/two_factor/enrol.html",
            form,
            title=_("Set up two-factor sign-in"),
            **setup_details(self.app),
        )


@method_decorator([sensitive_post_parameters(), never_cache], name="dispatch")
class StatusView(View):
    """A signed-in staff member's own page: is the app set up, how many recovery codes are left,
    and new recovery codes (the old ones stop working) for a current code from the app."""

    site = None

    def get(self, request):
        return self.render(self.form())

    def post(self, request):
        form = self.form(data=request.POST)
        if form is None or not form.is_valid():
            return self.render(form)
        codes = new_recovery_codes(request.user)
        return TemplateResponse(
            request,
            "admin/two_factor/recovery_codes.html",
            _context(self.site, request, codes=codes, title=_("Your recovery codes")),
        )

    def form(self, **kwargs):
        app = confirmed_app(self.request.user)
        return None if app is None else AppCodeForm(self.request, self.request.user, app, **kwargs)

    def render(self, form):
        recovery = RecoveryCodeDevice.objects.filter(user=self.request.user).first()
        return _render(
            self.site,
            self.request,
            "admin/two_factor/status.html",
            form,
            title=_("Two-factor sign-in"),
            enrolled=form is not None,
            required=is_required(self.request.user),
            recovery_codes_left=recovery.unused_count() if recovery else 0,
        )
