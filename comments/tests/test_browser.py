"""The comment block in a real headless Chromium: works without JavaScript, runs no reader script."""

import pytest

from comments.models import Comment

# Chromium, the live server's plain-http settings and the skip when no Chromium can be had come
# from the shared browser fixtures (kawalis/tests/browser.py): one Chromium for the whole run.
pytestmark = pytest.mark.browser


@pytest.fixture
def site_url(live_server):
    return live_server.url


@pytest.fixture
def quick_forms(settings):
    # A person takes seconds to write; the browser here fills the form at once.
    settings.COMMENTS_MIN_FILL_SECONDS = 0


def test_reader_posts_a_comment_without_javascript(browser, site_url, make_article, quick_forms):
    article = make_article(title_ar="مقال للتجربة")
    context = browser.new_context(java_script_enabled=False, locale="ar")
    try:
        page = context.new_page()
        page.goto(site_url + article.get_absolute_url())
        heading = page.locator("section.comments h2").inner_text()
        direction = page.locator("html").get_attribute("dir")
        honeypot_visible = page.locator("input[name=website]").is_visible()
        page.fill("input[name=name]", "مريم")
        page.fill("input[name=email]", "maryam@example.com")
        page.fill("textarea[name=body]", "تعليق من متصفح حقيقي")
        page.click("form.comment-form button[type=submit]")
        notice = page.locator(".comment-notice").inner_text()
    finally:
        context.close()
    assert heading.startswith("شارك بتعليقك")
    assert direction == "rtl"
    assert not honeypot_visible
    assert "تعليقك في انتظار المراجعة" in notice
    comment = Comment.objects.get()
    assert (comment.name, comment.status) == ("مريم", Comment.Status.PENDING)


def test_markup_in_an_approved_comment_never_runs(page, site_url, make_article, make_comment):
    article = make_article()
    make_comment(article, body="<img src=x onerror=\"document.title='pwned'\"> javascript:alert(1)")
    page.goto(site_url + article.get_absolute_url())
    title = page.title()
    images = page.locator(".comment-body img").count()
    links = page.locator(".comment-body a").count()
    text = page.locator(".comment-body").inner_text()
    assert title != "pwned"
    assert images == 0
    assert links == 0
    assert "<img src=x" in text
