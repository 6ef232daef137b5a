"""The editors' admin in a real headless Chromium: rich-text editor, language tabs, no CDN."""

import pytest
from django.contrib.auth.models import Group, Permission, User

from articles.models import Article
from kawalis.tests.browser import foreign_requests

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_editor(transactional_db):
    """A member of the Editor group (re-created: the live server's database loses migration data)."""
    group, _created = Group.objects.get_or_create(name="Editor")
    group.permissions.set(
        Permission.objects.filter(
            content_type__app_label="articles",
            codename__in=[f"{a}_{m}" for m in ("article", "category") for a in ("add", "change", "view")],
        )
    )
    user = User.objects.create_user("editor", "editor@example.com", "editor-pass-123", is_staff=True)
    user.groups.add(group)
    return user


def log_in(page, username, password):
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_editor_writes_a_formatted_body_in_the_rich_text_editor(
    page, page_requests, live_server, browser_editor, make_category
):
    category = make_category(name_ar="وطنية")
    failed = []
    page.on("response", lambda response: response.status >= 400 and failed.append(response.url))
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    log_in(page, "editor", "editor-pass-123")

    page.goto("/admin/articles/article/add/")
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

    # The French tab of the title, then of the body.
    page.locator(".ui-tabs:has(#id_title_fr) .ui-tabs-nav a").nth(1).click()
    page.fill("#id_title_fr", "Article écrit dans le navigateur")
    page.locator(".ui-tabs:has(#id_body_fr) .ui-tabs-nav a").nth(1).click()
    page.locator(".prose-editor:has(#id_body_fr) [contenteditable=true]").click()
    page.keyboard.press("Control+i")
    page.keyboard.type("en italique")

    page.click("input[name=_save]")
    page.wait_for_url("**/admin/articles/article/")

    article = Article.objects.get()
    assert article.body_ar == "<p>فقرة عادية ثم <strong>كلمة غامقة</strong></p>"
    assert article.title_fr == "Article écrit dans le navigateur"
    assert article.body_fr == "<p><em>en italique</em></p>"
    assert failed == []
    assert script_errors == []
    assert foreign_requests(page_requests, live_server.url) == []  # scripts, styles, fonts: ours
