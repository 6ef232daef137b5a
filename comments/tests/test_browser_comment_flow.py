"""A reader comments under the seed article in a real Chromium: with the mouse, then the keyboard."""

import pytest

from comments.models import Comment
from kawalis.tests.browser import PHONE, save_screenshot

pytestmark = pytest.mark.browser

COMMENT = "تحليل دقيق، شكرا على هذا المقال."


@pytest.fixture
def fill_fast(settings):
    # A person needs seconds to write; the browser types at once, which the time token would
    # (rightly) treat as a bot. Everything else of the spam defence stays on.
    settings.COMMENTS_MIN_FILL_SECONDS = 0


def test_reader_sees_the_moderation_notice_and_the_comment_once_approved(
    page, live_server, newsroom, fill_fast
):
    page.set_viewport_size(PHONE)
    page.goto(newsroom.get_absolute_url())
    form = page.locator(".comment-form")
    # Fields found by their labels, as a screen reader announces them.
    form.get_by_role("textbox", name="الاسم").fill("ليلى")
    form.get_by_role("textbox", name="البريد الإلكتروني").fill("laila@example.com")
    form.get_by_role("textbox", name="التعليق").fill(COMMENT)

    with page.expect_navigation():
        form.get_by_role("button", name="أرسل التعليق").click()

    notice = page.locator(".comment-notice-pending")
    assert notice.is_visible()
    assert "في انتظار المراجعة" in notice.inner_text()
    save_screenshot(page, "comment-pending-ar-375")
    assert page.locator(".comment-list").get_by_text(COMMENT).count() == 0
    comment = Comment.objects.get(body=COMMENT)
    assert comment.status == Comment.Status.PENDING

    Comment.objects.filter(pk=comment.pk).set_status(Comment.Status.APPROVED)
    page.goto(newsroom.get_absolute_url())

    assert page.locator(".comment-list").get_by_text(COMMENT).is_visible()
    assert "(3)" in page.locator(".comments-count").inner_text()


FOCUSED = "document.activeElement && document.activeElement.id"


def test_comment_form_is_reachable_and_submittable_with_tab_and_enter(page, live_server, newsroom, fill_fast):
    page.goto(newsroom.get_absolute_url())

    # From the top of the page, Tab alone must reach the comment form (bounded, never endless).
    for _step in range(300):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED) == "id_name":
            break
    else:
        pytest.fail("Tab never reached the comment form's name field")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    page.keyboard.type("Yassine")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "id_email"
    page.keyboard.type("yassine@example.com")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "id_body"
    page.keyboard.type("مقال مفيد جدا.")
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "id_notify_replies"
    page.keyboard.press("Tab")  # the honeypot is out of the tab order: next stop is the button
    assert page.evaluate("document.activeElement.type") == "submit"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert outline != "none", "the focused field shows where the keyboard is"
    assert page.locator(".comment-notice-pending").is_visible()
    assert Comment.objects.get(name="Yassine").status == Comment.Status.PENDING
