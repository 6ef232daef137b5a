"""Live coverage in a real Chromium: an entry an editor posts in the admin (on a phone-sized
screen) appears on a reader's open page without a reload, and after a reload without JavaScript."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kawalis.tests.browser import PHONE

pytestmark = pytest.mark.browser

ENTRY = "بدء فرز الأصوات في الدار البيضاء"


def test_an_entry_posted_in_the_admin_appears_on_an_open_page_and_after_a_reload_without_javascript(
    browser, page, live_server, make_article, browser_editor
):
    article = make_article(title_ar="الانتخابات مباشرة", coverage_start=timezone.now() - timedelta(hours=1))
    page.goto(article.get_absolute_url())
    assert page.locator("#live .live-badge").inner_text() == "مباشر"

    user, password = browser_editor
    admin = browser.new_context(viewport=PHONE, base_url=live_server.url)
    reader_without_js = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    try:
        editor = admin.new_page()
        editor.goto("/admin/login/")
        editor.locator("#id_username").fill(user.username)
        editor.locator("#id_password").fill(password)
        with editor.expect_navigation():
            editor.locator("input[type=submit]").click()
        editor.goto(f"/admin/articles/liveentry/add/?article={article.pk}")
        editor.locator("#id_text_ar").fill(ENTRY)
        editor.locator("#id_is_key_point").check()
        with editor.expect_navigation():
            editor.locator("input[name=_save]").click()
        assert editor.locator(".errornote").count() == 0, editor.locator(".errorlist").all_inner_texts()

        # The open page asks every 5 s: the entry is there within 10 s, the page never reloaded.
        page.evaluate("window.__notReloaded = true")
        page.locator(".live-entries .live-entry-text", has_text=ENTRY).wait_for(timeout=10_000)
        assert page.evaluate("window.__notReloaded") is True
        assert page.locator(".live-key-points-list a", has_text=ENTRY).count() == 1

        plain = reader_without_js.new_page()
        plain.goto(article.get_absolute_url())
        assert plain.locator(".live-entries .live-entry-text", has_text=ENTRY).count() == 1
    finally:
        admin.close()
        reader_without_js.close()
