"""The strict Content Security Policy in a real Chromium: the admin (with the rich-text editor
and the translation tabs) and the reader pages work, and the browser reports no violation."""

import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from articles.models import Article

pytestmark = pytest.mark.browser

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline'));
});
"""


@pytest.fixture
def watched(page):
    """The page, recording CSP violation events and console errors that mention the policy."""
    page.add_init_script(WATCH_VIOLATIONS)
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    page.csp_messages = messages
    return page


def violations(page):
    reported = page.evaluate("window.__cspViolations")
    console = [text for text in page.csp_messages if "Content Security Policy" in text]
    return reported + console


def test_admin_article_form_works_under_the_policy(watched, live_server, transactional_db):
    call_command("load_demo", stdout=io.StringIO())
    User.objects.create_superuser("chief", "chief@example.com", "a-long-pass-phrase-9")
    article = Article.objects.order_by("pk").first()

    watched.goto("/admin/login/")
    watched.fill("#id_username", "chief")
    watched.fill("#id_password", "a-long-pass-phrase-9")
    watched.click("input[type=submit]")
    watched.wait_for_url("**/admin/")
    assert violations(watched) == []

    for path in ["/admin/articles/article/add/", f"/admin/articles/article/{article.pk}/change/"]:
        watched.goto(path)
        watched.wait_for_load_state("networkidle")
        # The editor and the language tabs are built by scripts: they ran.
        assert watched.locator(".ProseMirror").count() >= 1, path
        assert watched.locator(".ui-tabs").count() >= 1, path
        assert violations(watched) == [], path


def test_reader_pages_run_under_the_policy(watched, live_server, transactional_db):
    call_command("load_demo", stdout=io.StringIO())
    article = Article.objects.published().first()

    for path in ["/", "/fr/", article.get_absolute_url(), article.category.get_absolute_url()]:
        response = watched.goto(path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        watched.wait_for_load_state("networkidle")
        assert violations(watched) == [], path
