"""An editor publishes an article from the admin in a real Chromium, and readers find it."""

import pytest

from articles.models import Article
from kawalis.tests.browser import news_photo, save_screenshot

pytestmark = pytest.mark.browser

TITLE_AR = "افتتاح المعرض الدولي للكتاب بالرباط بمشاركة واسعة"
TITLE_FR = "Ouverture du Salon international du livre de Rabat"
BODY_AR = "افتتحت اليوم فعاليات المعرض الدولي للنشر والكتاب."
BODY_FR = "Le Salon international de l'édition et du livre a ouvert ses portes aujourd'hui."


def test_editor_writes_in_arabic_and_french_uploads_a_photo_publishes_and_readers_see_it(
    page, live_server, newsroom, browser_editor
):
    user, password = browser_editor
    page.goto("/admin/login/")
    page.locator("#id_username").fill(user.username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("input[type=submit]").click()

    page.goto("/admin/articles/article/add/")
    # Arabic tabs are open first: the original is written in Arabic.
    page.locator("#id_title_ar").fill(TITLE_AR)
    page.locator("#tab_id_body_ar [contenteditable=true]").click()
    page.keyboard.type(BODY_AR)
    # The French tabs: the same form, the translation.
    page.locator('a[href="#tab_id_title_fr"]').click()
    page.locator("#id_title_fr").fill(TITLE_FR)
    page.locator('a[href="#tab_id_body_fr"]').click()
    page.locator("#tab_id_body_fr [contenteditable=true]").click()
    page.keyboard.type(BODY_FR)
    page.locator("#id_category").select_option(label=newsroom.category.name_ar)
    page.locator("#id_image").set_input_files(
        files=[{"name": "salon.jpg", "mimeType": "image/jpeg", "buffer": news_photo(800, 450, 2)}]
    )
    page.locator("#id_status").select_option(Article.Status.PUBLISHED)
    save_screenshot(page, "admin-article-form-ar-1280")
    with page.expect_navigation():
        page.locator("input[name=_save]").click()

    assert page.locator(".errornote").count() == 0, page.locator(".errornote, .errorlist").all_inner_texts()
    article = Article.objects.get(title_ar=TITLE_AR)
    assert article.title_fr == TITLE_FR
    assert BODY_AR in article.body_ar and BODY_FR in article.body_fr
    assert article.is_published and article.image
    page.goto("/")
    arabic_link = page.locator(".card-title a", has_text=TITLE_AR)
    save_screenshot(page, "home-after-publishing-ar-1280")
    page.goto("/fr/")
    french_link = page.locator(".card-title a", has_text=TITLE_FR)

    assert french_link.count() == 1
    french_link.click()
    assert page.locator(".article-title").inner_text() == TITLE_FR
    assert page.locator(".article-image img").evaluate("image => image.complete && image.naturalWidth > 0")
    page.goto("/")
    assert arabic_link.count() == 1
