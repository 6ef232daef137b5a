"""A reader finds articles in a real headless Chromium: the header search, then "see also".

In kawalis/tests with the other reader-page browser tests: it must run after comments' browser
tests, which start a Playwright of their own (two cannot share the thread).
"""

import pytest

from articles.models import Tag
from kawalis.tests.browser import save_screenshot, serious_axe_violations, unlabelled_form_fields

pytestmark = pytest.mark.browser


@pytest.fixture
def archive(make_article, make_category):
    category = make_category(name_ar="أمن", slug="security")
    tag = Tag.objects.create(name_ar="الأنتربول")
    main = make_article(
        title_ar="المديرية العامة للأمن الوطني في مؤتمر الأنتربول",
        lead_ar="مشاركة مغربية رفيعة المستوى.",
        category=category,
    )
    related = make_article(title_ar="مراكش تستعد لاحتضان الدورة المقبلة", category=category)
    for item in (main, related):
        item.tags.add(tag, through_defaults={"article_published_at": item.published_at})
    make_article(title_ar="افتتاح مدرسة جديدة")
    return {"main": main, "related": related}


def test_reader_searches_from_the_header_and_follows_see_also(page, live_server, archive):
    page.goto("/")
    field = page.get_by_label("ابحث في المقالات").first
    # Typed without hamza and with a tatweel, as readers do.
    field.fill("الامـــن الوطني")
    field.press("Enter")
    page.wait_for_url("**/search/?q=*")
    results = page.locator(".search-results .card-title a")
    assert results.all_inner_texts() == ["المديرية العامة للأمن الوطني في مؤتمر الأنتربول"]
    assert unlabelled_form_fields(page) == []
    save_screenshot(page, "search-results-ar")
    results.first.click()
    block = page.locator("section.see-also")
    assert block.locator("h2").inner_text() == "شاهد أيضا"
    assert block.locator(".see-also-title").all_inner_texts() == ["مراكش تستعد لاحتضان الدورة المقبلة"]
    assert serious_axe_violations(page) == []
    block.locator("a").first.click()
    assert page.locator("h1.article-title").inner_text() == "مراكش تستعد لاحتضان الدورة المقبلة"


def test_odd_query_in_the_browser_gets_a_clear_page(page, live_server, db):
    page.goto("/search/?q=" + "%27%3B--" * 10)
    assert page.locator(".search-hint").inner_text().startswith("لا شيء يمكن البحث عنه")
