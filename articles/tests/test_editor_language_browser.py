"""The body editor in a real Arabic admin (headless Chromium): no English in its menus and
dialogs, spell-check on, a visible dropdown arrow, the fixed jQuery UI, lists that fit."""

import re

import pytest

from articles.tests.test_admin_browser import browser_editor, log_in  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

# The English words the editor would show (its menus, tooltips and the link dialog): none may
# remain in the Arabic admin.
ENGLISH_WORDS = [
    "Heading 2", "Heading 3", "Heading 4", "heading 2", "Paragraph", "paragraph", "bold", "italic",
    "unordered list", "ordered list", "blockquote", "insert link", "remove link", "undo", "redo",
    "Toggle fullscreen", "Edit Link", "URL", "Title", "Update", "Cancel", "Open in new window",
]  # fmt: skip

EDITOR_TEXTS = """() => {
  const box = document.querySelector('.prose-editor:has(#id_body_ar)');
  const out = [];
  for (const el of box.querySelectorAll('*')) {
    if (el.closest('.ProseMirror')) continue;
    for (const name of ['title', 'aria-label', 'placeholder']) {
      if (el.getAttribute(name)) out.push(el.getAttribute(name));
    }
    if (el.children.length === 0 && !el.classList.contains('material-icons') && el.textContent.trim()) {
      out.push(el.textContent.trim());
    }
  }
  return out;
}"""


def english_left(texts):
    return sorted({text for text in texts for word in ENGLISH_WORDS if text.strip() == word})


@pytest.mark.usefixtures("browser_editor")
def test_the_arabic_admins_editor_speaks_arabic_with_spell_check_on(page, live_server):
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    log_in(page, "editor", "editor-pass-123")
    page.goto("/admin/articles/article/add/")
    body = page.locator(".prose-editor:has(#id_body_ar) [contenteditable=true]")
    body.wait_for(state="visible")

    menus = page.evaluate(EDITOR_TEXTS)
    assert english_left(menus) == []
    assert {"فقرة", "غامق", "إدراج رابط"} <= set(menus)
    assert body.get_attribute("spellcheck") == "true"

    # The link dialog: type a word, select it, insert a link.
    body.click()
    page.keyboard.type("كلمة")
    page.keyboard.press("Shift+Home")
    page.locator(".prose-editor:has(#id_body_ar) [title='إدراج رابط']").click()
    dialog = page.locator(".prose-editor:has(#id_body_ar) dialog[open]")
    dialog.wait_for(state="visible")
    dialog_texts = page.evaluate(EDITOR_TEXTS)
    assert english_left(dialog_texts) == []
    assert "تحديث" in dialog_texts or "تحديث" in dialog.inner_text()

    # The dropdown arrow is drawn (a border triangle), not the ⏷ character our fonts lack.
    arrow = page.evaluate(
        "() => getComputedStyle(document.querySelector('.prose-menubar__selected'), '::after').content"
    )
    assert "⏷" not in arrow
    version = page.evaluate("() => (window.django && django.jQuery.ui || window.jQuery.ui).version")
    assert tuple(int(n) for n in re.findall(r"\d+", version)[:3]) >= (1, 13, 2)
    assert script_errors == []


@pytest.mark.parametrize("width", [1280, 390])
def test_the_article_and_comment_lists_fit_the_screen(page, live_server, admin_user, make_article, width):
    make_article(title_ar="مقال بعنوان طويل نسبيا يختبر عرض قائمة المقالات في لوحة التحرير")
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, "admin", "password")
    for url in ("/admin/articles/article/", "/admin/comments/comment/"):
        page.goto(url)
        sizes = page.evaluate(
            "() => { const box = document.querySelector('#changelist .results') ||"
            " document.querySelector('#changelist');"
            " return [box.scrollWidth, box.clientWidth, document.documentElement.scrollWidth,"
            " document.documentElement.clientWidth]; }"
        )
        assert sizes[0] <= sizes[1], f"{url} at {width}px: {sizes}"
