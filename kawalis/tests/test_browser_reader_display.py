"""How the reader's pages adapt to the reader: the dark scheme, paper, and a phone's section menu.

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


# --- The phone's section menu ---------------------------------------------------------------

MENU = """() => {
    const menu = document.querySelector('.category-menu ul');
    const box = menu.getBoundingClientRect();
    const hidden = [...menu.querySelectorAll('a')]
        .filter(link => {
            const r = link.getBoundingClientRect();
            return r.right > box.right + 1 || r.left < box.left - 1;
        })
        .map(link => link.textContent.trim());
    return {
        overflows: menu.scrollWidth > menu.clientWidth,
        hint: Number(getComputedStyle(menu, '::after').opacity),
        hidden,
        box: {x: box.x, width: box.width},
    };
}"""
SCROLL_MENU_TO_ITS_END = """() => {
    const menu = document.querySelector('.category-menu ul');
    const towardsEnd = getComputedStyle(menu).direction === 'rtl' ? -1 : 1;
    menu.scrollTo({left: towardsEnd * menu.scrollWidth, behavior: 'instant'});
}"""


def hint_box(page):
    """Where the browser laid out the menu's hint (its ``::after``): ``{left, right}`` in px.

    Asked through the DevTools protocol, which sees pseudo-elements as the page's scripts cannot.
    """
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        document = cdp.send("DOM.getDocument", {"depth": -1})
        menu = cdp.send(
            "DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": ".category-menu ul"}
        )
        pseudo = cdp.send("DOM.describeNode", {"nodeId": menu["nodeId"]})["node"]["pseudoElements"]
        after = next(node for node in pseudo if node["pseudoType"] == "after")
        quad = cdp.send("DOM.getBoxModel", {"backendNodeId": after["backendNodeId"]})["model"]["border"]
    finally:
        cdp.detach()
    return {"left": min(quad[0::2]), "right": max(quad[0::2])}


@pytest.mark.parametrize(
    ("language", "later_sections", "end_edge"),
    [("ar", ["مجتمع", "رياضة"], "left"), ("fr", ["Société", "Sport"], "right")],
)
def test_phone_menu_shows_that_more_sections_lie_past_its_end(
    page, live_server, newsroom, language, later_sections, end_edge
):
    page.set_viewport_size(PHONE)
    page.goto(in_language(language, reverse("articles:home")))
    settle(page)
    save_screenshot(page, f"menu-{language}-375")
    scrolled = page.evaluate(MENU)
    hint = hint_box(page)

    page.evaluate(SCROLL_MENU_TO_ITS_END)
    settle(page)
    at_the_end = page.evaluate(MENU)

    assert scrolled["overflows"]
    assert set(later_sections) <= set(scrolled["hidden"])
    assert scrolled["hint"] == 1
    # The fade is at the end the reader reads towards: the left in Arabic, the right in French.
    menu_edge = scrolled["box"]["x"] + (0 if end_edge == "left" else scrolled["box"]["width"])
    assert abs(hint[end_edge] - menu_edge) < 1, (hint, scrolled["box"])
    assert 0 < hint["right"] - hint["left"] < scrolled["box"]["width"] / 4
    assert not set(later_sections) & set(at_the_end["hidden"])  # the last sections came into view
    assert at_the_end["hint"] == 0


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_desktop_menu_fits_and_shows_no_hint(page, live_server, newsroom, language):
    page.goto(in_language(language, reverse("articles:home")))
    settle(page)

    menu = page.evaluate(MENU)

    assert not menu["overflows"]
    assert menu["hidden"] == []
    assert menu["hint"] == 0


def test_menu_hint_appears_without_motion_for_readers_who_ask_for_less(page, live_server, newsroom):
    page.emulate_media(reduced_motion="reduce")
    page.set_viewport_size(PHONE)
    page.goto(reverse("articles:home"))

    assert computed(page, ".category-menu ul", "transitionDuration", "::after") == "0s"
    assert page.evaluate(MENU)["hint"] == 1
