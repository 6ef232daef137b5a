"""The editors' desk in a real Chromium, in the real admin: leaving warns, a killed page's text
comes back, the second of two editors is refused with the differences, under the strict CSP."""

import pytest
from django.contrib.auth.models import Group, User

from articles.tests.test_admin_browser import log_in
from kawalis.tests.browser import DESKTOP
from kawalis.tests.test_csp_browser import WATCH_VIOLATIONS

pytestmark = pytest.mark.browser


def csp_violations(page):
    return page.evaluate("window.__cspViolations")


def open_editor_page(browser, live_server, username, password):
    context = browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.add_init_script(WATCH_VIOLATIONS)
    page.on("pageerror", lambda error: pytest.fail(f"script error: {error}"))
    log_in(page, username, password)
    return context, page


def arabic_body(page):
    return page.locator(".prose-editor:has(#id_body_ar) [contenteditable=true]")


def test_leaving_a_changed_form_by_an_admin_link_warns(page, live_server, browser_editor, make_article):
    user, password = browser_editor
    article = make_article(title_ar="مقال للتجربة")
    page.add_init_script(WATCH_VIOLATIONS)
    log_in(page, user.username, password)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    arabic_body(page).wait_for(state="visible")
    dialogs = []

    def answer(dialog):
        dialogs.append((dialog.type, dialog.message))
        dialog.dismiss()

    page.on("dialog", answer)
    page.locator("#id_title_ar").fill("عنوان تغير ولم يحفظ")
    page.locator(".breadcrumbs a").first.click()  # «الرئيسية»

    assert dialogs and dialogs[0][0] == "confirm"
    assert "لم تحفظ" in dialogs[0][1] or "not saved" in dialogs[0][1]
    assert page.url.endswith(f"/admin/articles/article/{article.pk}/change/")  # stayed
    assert page.input_value("#id_title_ar") == "عنوان تغير ولم يحفظ"
    assert csp_violations(page) == []


def test_an_unchanged_form_leaves_without_a_word(page, live_server, browser_editor, make_article):
    user, password = browser_editor
    article = make_article()
    log_in(page, user.username, password)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    arabic_body(page).wait_for(state="visible")
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))

    page.locator(".breadcrumbs a").first.click()
    page.wait_for_url("**/admin/")

    assert dialogs == []


def test_text_typed_before_the_page_died_is_offered_back_and_restored(
    browser, live_server, browser_editor, make_article
):
    user, password = browser_editor
    article = make_article(title_ar="العنوان المحفوظ", body_ar="<p>الفقرة المحفوظة</p>")
    context, page = open_editor_page(browser, live_server, user.username, password)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    body = arabic_body(page)
    body.wait_for(state="visible")
    page.locator("#id_title_ar").fill("عنوان كتب قبل الانقطاع")
    body.click()
    page.keyboard.press("End")
    page.keyboard.type(" وجملة أضيفت")
    page.locator("#desk-status[data-state=saved]").wait_for()  # the autosave answered
    context.close()  # the browser dies: no unload handlers, no save

    context, page = open_editor_page(browser, live_server, user.username, password)
    page.goto(f"/admin/articles/article/{article.pk}/change/")
    banner = page.locator("#desk-restore")
    banner.wait_for(state="visible")
    assert page.input_value("#id_title_ar") == "العنوان المحفوظ"
    page.click("#desk-restore-button")

    assert page.input_value("#id_title_ar") == "عنوان كتب قبل الانقطاع"
    assert "الفقرة المحفوظة وجملة أضيفت" in arabic_body(page).inner_text()
    assert csp_violations(page) == []
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/articles/article/")
    article.refresh_from_db()
    assert article.title_ar == "عنوان كتب قبل الانقطاع"
    assert "وجملة أضيفت" in article.body_ar
    context.close()


def test_the_second_of_two_editors_is_refused_with_what_the_first_changed(
    browser, live_server, browser_editor, make_article
):
    user, password = browser_editor
    fatima = User.objects.create_user(
        "fatima",
        "fatima@example.com",
        "fatima-pass-123",
        is_staff=True,
        first_name="Fatima",
        last_name="Zahra",
    )
    fatima.groups.add(Group.objects.get(name="Editor"))
    article = make_article(title_ar="العنوان الأصلي")
    url = f"/admin/articles/article/{article.pk}/change/"
    mine_context, mine = open_editor_page(browser, live_server, user.username, password)
    hers_context, hers = open_editor_page(browser, live_server, "fatima", "fatima-pass-123")
    mine.goto(url)
    hers.goto(url)
    arabic_body(mine).wait_for(state="visible")
    arabic_body(hers).wait_for(state="visible")
    # Each sees the other (the first to open learns of the second at its first heartbeat on load).
    assert "editor" in hers.locator("#desk-presence").inner_text()
    mine.reload()
    mine.locator("#desk-presence:has-text('Fatima Zahra')").wait_for()

    hers.locator("#id_title_ar").fill("عنوان فاطمة")
    hers.click("input[name=_save]")
    hers.wait_for_url("**/admin/articles/article/")
    mine.locator("#id_title_ar").fill("عنواني أنا")
    mine.click("input[name=_save]")

    mine.locator("#desk-conflict").wait_for()
    added = mine.locator("#desk-conflict ins").all_inner_texts()
    assert "فاطمة" in added
    assert mine.input_value("#id_title_ar") == "عنواني أنا"
    article.refresh_from_db()
    assert article.title_ar == "عنوان فاطمة"
    assert csp_violations(mine) == []
    assert csp_violations(hers) == []
    mine_context.close()
    hers_context.close()
