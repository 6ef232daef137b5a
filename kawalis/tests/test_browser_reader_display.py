"""How the reader's pages adapt to the reader: the dark scheme.

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
