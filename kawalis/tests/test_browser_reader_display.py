"""How the reader's pages adapt to the reader: the dark scheme, and paper.

In a real headless Chromium against the live server (see kawalis/tests/browser.py); screenshots
go to test-artifacts/screenshots/.
"""

import pytest
from django.urls import reverse

from kawalis.tests.browser import DESKTOP, PHONE, save_screenshot, serious_axe_violations

pytestmark = pytest.mark.browser

TWO_FRAMES = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
# Transitions (the menu's fade) ended: what the reader sees once the page stands still.
SETTLED = "Promise.all(document.getAnimations().map(animation => animation.finished))"


def in_language(language, url):
    return url if language == "ar" else f"/{language}{url}"


def settle(page):
    page.evaluate("document.fonts.ready")
    page.evaluate(TWO_FRAMES)
    page.evaluate(SETTLED)


def computed(page, selector, prop, pseudo=None):
    return page.evaluate(
        "([selector, prop, pseudo]) => getComputedStyle(document.querySelector(selector), pseudo)[prop]",
        [selector, prop, pseudo],
    )


# --- Dark scheme ---------------------------------------------------------------------------


def test_pages_follow_the_readers_dark_scheme_with_no_contrast_or_other_serious_violation(
    page, live_server, newsroom
):
    search = reverse("articles:search") + "?q=الأنتربول"
    pages = {"home": "/", "article": newsroom.get_absolute_url(), "search": search}
    backgrounds, problems = {}, {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for name, url in pages.items():
            for width, viewport in {"375": PHONE, "1280": DESKTOP}.items():
                page.set_viewport_size(viewport)
                page.goto(url)
                settle(page)
                save_screenshot(page, f"{name}-ar-{width}-{scheme}")
                backgrounds[scheme, name, width] = computed(page, "body", "backgroundColor")
                if name == "article":
                    # The parts that are easy to forget: comments with their form, "see also",
                    # the breaking strip, the footer signup; the photo shown as it is.
                    for part in (".comment-card", ".comment-form", ".see-also-item", ".breaking-news"):
                        assert page.locator(part).count() > 0, part
                    assert computed(page, ".article-image img", "filter") == "none"
                violations = serious_axe_violations(page)
                if violations:
                    problems[f"{scheme} {name} {width}px"] = violations

    assert problems == {}, problems
    assert {value for key, value in backgrounds.items() if key[0] == "light"} == {"rgb(255, 255, 255)"}
    assert {value for key, value in backgrounds.items() if key[0] == "dark"} == {"rgb(18, 18, 18)"}


def test_dark_scheme_keeps_form_fields_and_the_footer_signup_readable(page, live_server, newsroom):
    page.emulate_media(color_scheme="dark")
    page.goto(in_language("fr", newsroom.get_absolute_url()))

    for field in (".comment-form textarea", ".site-footer input[type=email]", "#site-search-q"):
        color, background = (computed(page, field, prop) for prop in ("color", "backgroundColor"))
        assert color != background, field
    # The browser draws its own parts of the fields (caret, autofill, scrollbars) dark as well.
    assert computed(page, ":root", "colorScheme") == "light dark"
    assert computed(page, ".comment-form textarea", "backgroundColor") == "rgb(18, 18, 18)"


# --- Print -----------------------------------------------------------------------------------

SCREEN_FURNITURE = {
    "search box": ".site-search",
    "breaking news": ".breaking-news",
    "section menu": ".category-menu",
    "languages": ".languages",
    "see also": ".see-also",
    "comments and their form": ".comments",
    "comment form": ".comment-form",
    "footer signup": ".newsletter-signup",
    "share buttons": ".share",
    "most read": ".most-read",
}
ARTICLE_ITSELF = {
    "headline": ".article-title",
    "lead": ".article-lead",
    "date": ".article-meta time",
    "byline": ".article-meta .byline",
    "photo": ".article-image img",
    "caption": ".article-image figcaption",
    "body": ".article-body",
}


def test_a_printed_article_is_the_article_alone(page, live_server, newsroom):
    newsroom.lead_ar = "مشاركة مغربية رفيعة المستوى في أشغال الجمعية العامة للأنتربول."
    newsroom.body_ar += '<p>الموقع الرسمي: <a href="https://www.interpol.int/">الأنتربول</a></p>'
    newsroom.save()
    page.goto(newsroom.get_absolute_url())
    on_screen = {
        name: page.locator(selector).first.is_visible() for name, selector in SCREEN_FURNITURE.items()
    }

    page.emulate_media(media="print")
    settle(page)
    printed_furniture = {
        name: page.locator(selector).first.is_visible() for name, selector in SCREEN_FURNITURE.items()
    }
    printed_article = {
        name: page.locator(selector).first.is_visible() for name, selector in ARTICLE_ITSELF.items()
    }
    link_after = computed(page, ".article-body a[href^='https://www.interpol.int']", "content", "::after")
    pdf = page.pdf(format="A4")
    save_screenshot(page, "article-ar-print")

    assert all(on_screen.values()), on_screen  # each of them is there to be hidden
    assert not any(printed_furniture.values()), printed_furniture
    assert all(printed_article.values()), printed_article
    assert link_after == '" (https://www.interpol.int/)"'
    assert computed(page, "body", "backgroundColor") == "rgb(255, 255, 255)"
    assert pdf.startswith(b"%PDF")


def test_print_is_black_on_white_even_for_a_reader_in_the_dark_scheme(page, live_server, newsroom):
    page.emulate_media(media="print", color_scheme="dark")
    page.goto(newsroom.get_absolute_url())

    assert computed(page, "body", "backgroundColor") == "rgb(255, 255, 255)"
    assert computed(page, ".article-body", "color") == "rgb(0, 0, 0)"
