"""Staff two-factor sign-in in a real headless Chromium, in the Arabic admin: a code is asked
after the password when STAFF_2FA is on, and not when it is off."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from .test_two_factor import app_code, enrolled

pytestmark = pytest.mark.browser


def sign_in_with_password(page, password):
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", password)
    page.click("input[type=submit]")


def watch_console(page):
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: messages.append(str(error)))
    return messages


def test_with_staff_2fa_on_an_editor_gives_the_apps_code_after_the_password(page, browser_editor, settings):
    settings.STAFF_2FA = True
    user, password = browser_editor
    device, _recovery_codes = enrolled(user)
    console = watch_console(page)

    sign_in_with_password(page, password)
    page.wait_for_url(re.compile(r"/admin/two-factor/code/"))
    assert page.locator("html").get_attribute("dir") == "rtl"
    # The password alone opened nothing: the admin sends the browser to sign in again.
    page.goto("/admin/articles/article/")
    assert page.url.split("?")[0].endswith("/admin/login/")

    page.goto("/admin/two-factor/code/?next=/admin/")
    page.fill("input[name=code]", "000000" if app_code(device) != "000000" else "111111")
    page.click("#two-factor-form input[type=submit]")
    assert page.locator(".errorlist, .errornote").count() >= 1
    assert page.url.split("?")[0].endswith("/admin/two-factor/code/")

    page.fill("input[name=code]", app_code(device))
    page.click("#two-factor-form input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    page.goto("/admin/articles/article/")
    assert page.url.split("?")[0].endswith("/admin/articles/article/")
    assert not [text for text in console if "Content Security Policy" in text or "Refused" in text]


def test_with_staff_2fa_on_a_first_sign_in_enrols_the_phone_then_shows_recovery_codes(
    page, browser_editor, settings
):
    settings.STAFF_2FA = True
    user, password = browser_editor

    sign_in_with_password(page, password)
    page.wait_for_url(re.compile(r"/admin/two-factor/enrol/"))
    assert page.locator("img[src^='data:image/svg+xml']").count() == 1  # the QR code, drawn here
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page.fill("input[name=code]", app_code(device))
    page.click("#two-factor-form input[type=submit]")

    codes = page.locator("code").all_inner_texts()
    assert len([code for code in codes if re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)]) == 10
    page.locator("a.button").click()
    page.wait_for_url(re.compile(r"/admin/$"))
    device.refresh_from_db()
    assert device.confirmed


def test_with_staff_2fa_off_the_password_opens_the_admin(page, browser_editor, settings):
    settings.STAFF_2FA = False
    user, password = browser_editor
    enrolled(user)  # even with an app set up, no code is asked while the switch is off

    sign_in_with_password(page, password)
    page.wait_for_url(re.compile(r"/admin/$"))
    assert page.locator("input[name=code]").count() == 0
    page.goto("/admin/articles/article/")
    assert page.url.split("?")[0].endswith("/admin/articles/article/")
