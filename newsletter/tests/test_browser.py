"""The footer signup in a real headless Chromium with JavaScript off: plain HTML that works."""

import pytest

from kawalis.tests.browser import unlabelled_form_fields
from newsletter.models import Subscriber

from .helpers import links, path_of

pytestmark = pytest.mark.browser


def test_reader_subscribes_from_the_footer_and_confirms_without_javascript(browser, live_server, smtp_sink):
    context = browser.new_context(java_script_enabled=False, locale="ar", base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/")
        footer = page.locator("footer .newsletter-signup")
        heading = footer.locator("h2").inner_text()
        text = footer.locator(".newsletter-signup__text").inner_text()
        unlabelled = unlabelled_form_fields(page)
        page.fill("#newsletter-footer-email", "Reader@Example.com")
        footer.locator("button[type=submit]").click()
        page.wait_for_url("**/newsletter/check-your-inbox/")
        answer = page.locator("main h1").inner_text()
        direction = page.locator("html").get_attribute("dir")
        [message] = smtp_sink.messages
        page.goto(path_of(links(message, "/newsletter/confirm/")[0]))
        confirmed = page.locator("main h1").inner_text()
    finally:
        context.close()

    assert heading == "اشتراك في القائمة البريدية"
    assert text == "إشترك بالقائمة البريدية لكواليس اليوم لتتوصل بكل الجديد عبر البريد الإلكتروني"
    assert unlabelled == []
    assert answer == "تحقق من بريدك الإلكتروني"
    assert direction == "rtl"
    assert confirmed == "تم تأكيد الاشتراك"
    assert Subscriber.objects.get().status == Subscriber.Status.CONFIRMED
