"""The editors' admin in a real headless Chromium: rich-text editor, language tabs, no CDN."""

import os
import shutil
from urllib.parse import urlsplit

import pytest

from articles.models import Article

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def site_server(transactional_db):
    """A live server started after this test's settings are in place.

    pytest-django's ``live_server`` is started once per session, possibly before the test
    settings switch HTTPS redirects off, and middleware reads its settings when it is built.
    """
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost")
    yield server
    server.stop()


@pytest.fixture
def browser_page(site_server, monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM} (set CHROMIUM_PATH, or install the chromium package)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="ar")
        page.requests_seen = []
        page.console_errors = []
        page.failed_responses = []
        page.on(
            "response", lambda response: response.status >= 400 and page.failed_responses.append(response.url)
        )
        page.on("request", lambda request: page.requests_seen.append(request.url))
        # Script errors; failed loads are in failed_responses (the browser's own favicon.ico
        # request, which no page asks for, shows up only as a console message).
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))
        yield page
        browser.close()


def log_in(page, site_server, username, password):
    page.goto(f"{site_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{site_server.url}/admin/")


def test_editor_writes_a_formatted_body_in_the_rich_text_editor(
    browser_page, site_server, editor_user, make_category
):
    page = browser_page
    category = make_category(name_ar="وطنية")
    log_in(page, site_server, "editor", "editor-pass-123")

    page.goto(f"{site_server.url}/admin/articles/article/add/")
    arabic_body = page.locator(".prose-editor:has(#id_body_ar) [contenteditable=true]")
    arabic_body.wait_for(state="visible")
    # The language tabs are built (jQuery UI, served by us) and hide the other languages.
    assert page.locator(".ui-tabs").count() >= 3
    assert not page.locator(".prose-editor:has(#id_body_fr) [contenteditable=true]").is_visible()

    page.locator("#id_title_ar").press_sequentially("مقال كتب في المتصفح")
    # The slug follows the Arabic title on each key release (Playwright types Arabic letters
    # as text input, without key events, so a last real key stands for the typist's).
    page.keyboard.press("End")
    assert page.input_value("#id_slug") == "مقال-كتب-في-المتصفح"
    page.select_option("#id_category", str(category.pk))
    arabic_body.click()
    page.keyboard.type("فقرة عادية ثم ")
    page.keyboard.press("Control+b")
    page.keyboard.type("كلمة غامقة")
    page.keyboard.press("Control+b")

    # The French tab of the title, then its body editor.
    page.locator(".ui-tabs:has(#id_title_fr) .ui-tabs-nav a").nth(1).click()
    page.fill("#id_title_fr", "Article écrit dans le navigateur")
    page.locator(".ui-tabs:has(#id_body_fr) .ui-tabs-nav a").nth(1).click()
    french_body = page.locator(".prose-editor:has(#id_body_fr) [contenteditable=true]")
    french_body.click()
    page.keyboard.press("Control+i")
    page.keyboard.type("en italique")

    page.click("input[name=_save]")
    page.wait_for_url(f"{site_server.url}/admin/articles/article/")

    article = Article.objects.get()
    assert article.body_ar == "<p>فقرة عادية ثم <strong>كلمة غامقة</strong></p>"
    assert article.title_fr == "Article écrit dans le navigateur"
    assert article.body_fr == "<p><em>en italique</em></p>"
    assert page.failed_responses == []
    assert page.console_errors == []
    outside = [url for url in page.requests_seen if urlsplit(url).netloc != urlsplit(site_server.url).netloc]
    assert outside == []  # every script, style and font is self-hosted
