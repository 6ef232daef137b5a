"""A reader subscribes from the footer in a real Chromium and confirms from the e-mail received."""

import pytest
from django.utils.translation import gettext

from kawalis.tests.browser import PHONE, save_screenshot
from newsletter.models import Subscriber

from .helpers import links

pytestmark = pytest.mark.browser


def test_reader_subscribes_from_the_footer_and_the_emailed_link_confirms(
    page, live_server, newsroom, smtp_sink, settings
):
    settings.SITE_URL = live_server.url  # the e-mail's links lead to this test's server
    page.set_viewport_size(PHONE)
    page.goto(newsroom.get_absolute_url())
    footer = page.locator(".site-footer")
    footer.get_by_role("textbox", name="البريد الإلكتروني").fill("reader@example.com")

    with page.expect_navigation():
        footer.get_by_role("button", name="اشترك").click()

    assert page.url == f"{live_server.url}/newsletter/check-your-inbox/"
    assert page.locator("main h1").inner_text() == gettext("Check your inbox")
    assert smtp_sink.wait_for(1)
    [message] = smtp_sink.messages
    assert message["To"] == "reader@example.com"
    [confirm_url] = links(message, "/newsletter/confirm/")
    assert confirm_url.startswith(live_server.url)
    assert Subscriber.objects.get(email="reader@example.com").status == Subscriber.Status.PENDING

    page.goto(confirm_url)

    save_screenshot(page, "newsletter-confirmed-ar-375")
    assert Subscriber.objects.get(email="reader@example.com").status == Subscriber.Status.CONFIRMED
    assert page.locator("main h1").inner_text() == gettext("Subscription confirmed")
