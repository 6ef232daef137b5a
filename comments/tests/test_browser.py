"""The comment block in a real headless Chromium: works without JavaScript, runs no reader script."""

import contextlib
import os
import shutil

import pytest

from comments.models import Comment

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}"),
]


@contextlib.contextmanager
def chromium():
    """A headless Chromium. Playwright runs an event loop meanwhile: database work goes before
    or after this block, never inside (Django refuses ORM calls from an async context)."""
    playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def site_url(live_server):
    """The live server's address, serving plain http like the test settings say.

    The live server is started once per session, and its middleware read the settings then,
    before the per-test settings turned the https redirect off: load it again now.
    """
    application = live_server.thread.httpd.get_app()
    while hasattr(application, "application"):
        application = application.application
    application.load_middleware()
    return live_server.url


@pytest.fixture
def quick_forms(settings):
    # A person takes seconds to write; the browser here fills the form at once.
    settings.COMMENTS_MIN_FILL_SECONDS = 0


def test_reader_posts_a_comment_without_javascript(site_url, make_article, quick_forms):
    article = make_article(title_ar="مقال للتجربة")
    with chromium() as browser:
        page = browser.new_context(java_script_enabled=False, locale="ar").new_page()
        page.goto(site_url + article.get_absolute_url())
        heading = page.locator("section.comments h2").inner_text()
        direction = page.locator("html").get_attribute("dir")
        honeypot_visible = page.locator("input[name=website]").is_visible()
        page.fill("input[name=name]", "مريم")
        page.fill("input[name=email]", "maryam@example.com")
        page.fill("textarea[name=body]", "تعليق من متصفح حقيقي")
        page.click("form.comment-form button[type=submit]")
        notice = page.locator(".comment-notice").inner_text()
    assert heading.startswith("شارك بتعليقك")
    assert direction == "rtl"
    assert not honeypot_visible
    assert "تعليقك في انتظار المراجعة" in notice
    comment = Comment.objects.get()
    assert (comment.name, comment.status) == ("مريم", Comment.Status.PENDING)


def test_markup_in_an_approved_comment_never_runs(site_url, make_article, make_comment):
    article = make_article()
    make_comment(article, body="<img src=x onerror=\"document.title='pwned'\"> javascript:alert(1)")
    with chromium() as browser:
        page = browser.new_page()
        page.goto(site_url + article.get_absolute_url())
        title = page.title()
        images = page.locator(".comment-body img").count()
        links = page.locator(".comment-body a").count()
        text = page.locator(".comment-body").inner_text()
    assert title != "pwned"
    assert images == 0
    assert links == 0
    assert "<img src=x" in text
