"""Staff two-factor sign-in (STAFF_2FA): a code after the password for editors and administrators."""

import re
import time

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from kawalis.models import RecoveryCode, RecoveryCodeDevice

LOGIN = "/admin/login/?next=/admin/"
CODE_STEP = "/admin/two-factor/code/"
ENROL = "/admin/two-factor/enrol/"
PASSWORD = "editor-pass-123"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def staff_2fa(settings):
    settings.STAFF_2FA = True
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    return settings


def app_code(device, steps_ahead=0):
    """The six digits the phone would show, ``steps_ahead`` 30-second steps from now (a device
    takes each step's code once, so a second sign-in in one test uses the next step's)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in_password(client, username="editor", password=PASSWORD, address="203.0.113.7"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def give_code(client, code, address="203.0.113.7"):
    return client.post(f"{CODE_STEP}?next=/admin/", {"code": code, "next": "/admin/"}, REMOTE_ADDR=address)


def enrolled(user):
    """``user`` with a confirmed app and recovery codes, as after enrolment: (device, codes)."""
    device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    recovery = RecoveryCodeDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    return device, recovery.replace_codes()


def signed_in(client):
    return "_auth_user_id" in client.session


def test_an_editor_is_asked_for_a_code_after_the_password_when_staff_2fa_is_on(
    client, editor_user, staff_2fa
):
    device, _codes = enrolled(editor_user)

    response = sign_in_password(client)

    assert response.status_code == 302
    assert response["Location"].startswith(CODE_STEP)
    assert not signed_in(client), "the password alone must not sign in"
    assert client.get("/admin/").status_code == 302  # still the login page

    assert give_code(client, app_code(device))["Location"] == "/admin/"
    assert signed_in(client)
    assert client.get("/admin/").status_code == 200


def test_with_staff_2fa_off_the_password_is_enough(client, editor_user, settings):
    settings.STAFF_2FA = False
    enrolled(editor_user)

    response = sign_in_password(client)

    assert response["Location"] == "/admin/"
    assert signed_in(client)
    assert client.get("/admin/").status_code == 200


def test_a_reporter_is_not_asked_for_a_code(client, db, staff_2fa):
    User.objects.create_user("reporter", password=PASSWORD, is_staff=True)  # no Editor group

    response = sign_in_password(client, "reporter")

    assert response["Location"] == "/admin/"
    assert signed_in(client)


def test_administrators_and_superusers_are_asked_too(client, db, staff_2fa):
    admin_group, _created = Group.objects.get_or_create(name="Administrator")
    administrator = User.objects.create_user("administrator", password=PASSWORD, is_staff=True)
    administrator.groups.add(admin_group)
    User.objects.create_superuser("chief", "chief@example.com", PASSWORD)

    for username in ("administrator", "chief"):
        client = Client()
        assert sign_in_password(client, username)["Location"].startswith(CODE_STEP)
        assert not signed_in(client)


def test_a_first_sign_in_enrols_the_app_and_shows_recovery_codes_once(client, editor_user, staff_2fa):
    sign_in_password(client)
    assert client.get(f"{CODE_STEP}?next=/admin/")["Location"].startswith(ENROL)

    page = client.get(f"{ENROL}?next=/admin/")
    device = TOTPDevice.objects.get(user=editor_user, confirmed=False)
    html = page.content.decode()
    assert "otpauth://totp/" in html
    assert 'src="data:image/svg+xml' in html  # the QR code
    assert 'name="csrfmiddlewaretoken"' in html

    response = client.post(f"{ENROL}?next=/admin/", {"code": app_code(device), "next": "/admin/"})

    codes = re.findall(r"<code>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})</code>", response.content.decode())
    assert len(codes) == 10
    assert signed_in(client)
    device.refresh_from_db()
    assert device.confirmed
    stored = list(RecoveryCode.objects.filter(device__user=editor_user).values_list("digest", flat=True))
    assert len(stored) == 10
    assert not set(codes) & set(stored), "codes are kept hashed, never as typed"
    assert codes[0] not in client.get("/admin/two-factor/").content.decode()  # not shown again


def test_enrolment_needs_the_right_code(client, editor_user, staff_2fa):
    sign_in_password(client)
    client.get(ENROL)

    response = client.post(ENROL, {"code": "000000"})

    assert response.status_code == 200
    assert not signed_in(client)
    assert not TOTPDevice.objects.get(user=editor_user).confirmed


def test_a_wrong_code_is_refused_and_repeated_wrong_codes_are_throttled(client, editor_user, staff_2fa):
    device, _codes = enrolled(editor_user)
    right = app_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    sign_in_password(client)

    refused = give_code(client, wrong)
    assert refused.status_code == 200
    assert "errornote" in refused.content.decode()
    assert not signed_in(client)

    # Entering the password again does not buy more guesses: the username's count is kept.
    sign_in_password(client)
    give_code(client, wrong)
    sign_in_password(client)
    give_code(client, wrong)

    throttled = give_code(client, right)
    assert throttled.status_code == 429
    assert not signed_in(client)


def test_a_recovery_code_signs_in_once(client, editor_user, staff_2fa):
    _device, codes = enrolled(editor_user)
    sign_in_password(client)

    assert give_code(client, codes[0].lower().replace("-", " "))["Location"] == "/admin/"  # as typed
    assert signed_in(client)

    client.logout()
    sign_in_password(client)
    again = give_code(client, codes[0])
    assert again.status_code == 200
    assert not signed_in(client)
    assert give_code(client, codes[1])["Location"] == "/admin/"


def test_the_code_step_without_the_password_step_goes_back_to_the_login(client, editor_user, staff_2fa):
    device, _codes = enrolled(editor_user)

    response = give_code(client, app_code(device))

    assert response["Location"].startswith("/admin/login/")
    assert not signed_in(client)


def test_a_session_without_a_code_is_not_let_into_the_admin(client, editor_user, staff_2fa):
    client.force_login(editor_user)  # e.g. signed in before STAFF_2FA was turned on

    assert client.get("/admin/").status_code == 302


def test_the_code_step_needs_the_csrf_token(editor_user, staff_2fa):
    device, _codes = enrolled(editor_user)
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN)
    token = page.context["csrf_token"]
    client.post(LOGIN, {"username": "editor", "password": PASSWORD, "csrfmiddlewaretoken": str(token)})

    assert client.post(CODE_STEP, {"code": app_code(device)}).status_code == 403
    assert not signed_in(client)


def test_an_administrator_resets_a_lost_phone(client, editor_user, staff_2fa):
    enrolled(editor_user)
    chief = User.objects.create_superuser("chief", "chief@example.com", PASSWORD)
    chief_device, _codes = enrolled(chief)
    sign_in_password(client, "chief")
    give_code(client, app_code(chief_device))

    response = client.post(
        "/admin/auth/user/", {"action": "reset_two_factor", "_selected_action": [editor_user.pk]}
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=editor_user).exists()
    assert not RecoveryCodeDevice.objects.filter(user=editor_user).exists()
    assert TOTPDevice.objects.filter(user=chief).exists()
    # The editor sets the app up again at the next sign-in.
    other = Client()
    sign_in_password(other)
    assert other.get(CODE_STEP)["Location"].startswith(ENROL)


def test_new_recovery_codes_replace_the_old_ones(client, editor_user, staff_2fa):
    device, codes = enrolled(editor_user)
    sign_in_password(client)
    give_code(client, app_code(device))

    response = client.post("/admin/two-factor/", {"code": app_code(device, steps_ahead=1)})

    new = re.findall(r"<code>([0-9A-Z-]{14})</code>", response.content.decode())
    assert len(new) == 10
    recovery = RecoveryCodeDevice.objects.get(user=editor_user)
    assert not recovery.verify_token(codes[2])
    assert recovery.verify_token(new[0])
