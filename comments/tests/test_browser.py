"""The comment block in a real headless Chromium: works without JavaScript, runs no reader script.

Uses the session-wide Chromium of ``kawalis.tests.browser`` (one Playwright per test run).
"""

import pytest

from comments.models import Comment
from kawalis.tests.browser import DESKTOP, save_screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def quick_forms(settings):
    # A person takes seconds to write; the browser here fills the form at once.
    settings.COMMENTS_MIN_FILL_SECONDS = 0


def test_reader_posts_a_comment_without_javascript(browser, live_server, make_article, quick_forms):
    article = make_article(title_ar="مقال للتجربة")
    context = browser.new_context(
        java_script_enabled=False, locale="ar", viewport=DESKTOP, base_url=live_server.url
    )
    try:
        page = context.new_page()
        page.goto(article.get_absolute_url())
        assert page.locator("section.comments h2").inner_text().startswith("شارك بتعليقك")
        assert page.locator("html").get_attribute("dir") == "rtl"
        assert not page.locator("input[name=website]").is_visible()  # the honeypot stays hidden
        page.fill("input[name=name]", "مريم")
        page.fill("input[name=email]", "maryam@example.com")
        page.fill("textarea[name=body]", "تعليق من متصفح حقيقي")
        page.click("form.comment-form button[type=submit]")
        assert "تعليقك في انتظار المراجعة" in page.locator(".comment-notice").inner_text()
        save_screenshot(page, "comments-posted-ar")
    finally:
        context.close()
    comment = Comment.objects.get()
    assert (comment.name, comment.status) == ("مريم", Comment.Status.PENDING)


def test_markup_in_an_approved_comment_never_runs(page, make_article, make_comment):
    article = make_article()
    make_comment(article, body="<img src=x onerror=\"document.title='pwned'\"> javascript:alert(1)")
    page.goto(article.get_absolute_url())
    assert page.title() != "pwned"
    assert page.locator(".comment-body img").count() == 0
    assert page.locator(".comment-body a").count() == 0
    assert "<img src=x" in page.locator(".comment-body").inner_text()
