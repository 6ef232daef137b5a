"""A Reporter's article form in a real headless Chromium: no way to publish from it."""

import pytest

from articles.models import Article

pytestmark = pytest.mark.browser


@pytest.fixture
def browser_reporter(browser_editor):
    """A staff user in the migrations' Reporter group (``browser_editor`` put the groups back)."""
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("reporter", "reporter@example.com", "reporter-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Reporter"))
    return user


def test_reporter_form_has_no_publish_control_and_submits_for_review(page, browser_reporter, make_category):
    make_category(name_ar="وطنية")
    page.goto("/admin/login/")
    page.fill("#id_username", "reporter")
    page.fill("#id_password", "reporter-pass-123")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")

    page.goto("/admin/articles/article/add/")
    options = page.locator("#id_status option").evaluate_all("options => options.map(o => o.value)")
    assert options == ["draft", "review"]
    assert page.locator("[name=published_at_0], [name=unpublish_at_0], [name=is_featured]").count() == 0

    page.fill("#id_title_ar", "تقرير المراسل")
    page.locator("#id_category").select_option(label="وطنية")
    page.locator("#id_status").select_option("review")
    page.fill("#id_note", "جاهز")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/articles/article/")
    assert Article.objects.get().status == Article.Status.REVIEW

    page.goto("/admin/articles/article/")
    actions = page.locator("select[name=action] option").evaluate_all("options => options.map(o => o.value)")
    assert "publish" not in actions and "unpublish" not in actions and "submit_for_review" in actions
