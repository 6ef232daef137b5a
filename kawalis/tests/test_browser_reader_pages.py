"""The reader's pages in a real headless Chromium: direction, layout, fonts, privacy, accessibility.

Each page is loaded from the live server of the test run, at a phone's width (375 px) and a
desktop's (1280 px), in Arabic and in French; screenshots go to test-artifacts/screenshots/.
"""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from articles.demo import content
from articles.models import Category
from kawalis.tests.browser import (
    DESKTOP,
    PHONE,
    foreign_requests,
    save_screenshot,
    serious_axe_violations,
    unlabelled_form_fields,
)

pytestmark = pytest.mark.browser

WIDTHS = {"375": PHONE, "1280": DESKTOP}


def url_in(language, url_name, query="", **kwargs):
    with translation.override(language):
        return reverse(url_name, kwargs=kwargs) + query


def reader_page_url(newsroom, name, language):
    """The address of one of the reader's pages, in ``language``."""
    category = Category.objects.get(slug=content.SEED_CATEGORY)
    pages = {
        "home": ("articles:home", {}),
        "article": ("articles:detail", {"pk": newsroom.pk, "slug": newsroom.slug}),
        "category": ("articles:category", {"slug": category.slug}),
        "search": ("articles:search", {"query": "?q=" + ("الأنتربول" if language == "ar" else "Interpol")}),
        "subscribe": ("newsletter:subscribe", {}),
    }
    url_name, kwargs = pages[name]
    return url_in(language, url_name, **kwargs)


def fonts_ready(page):
    page.evaluate("document.fonts.ready")


HEADLINE_LINES = """() => {
    const title = document.querySelector('.article-title');
    const box = title.getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(title);
    const lines = [...range.getClientRects()].map(r => ({left: r.left, right: r.right}));
    return {left: box.left, right: box.right, lines};
}"""
PAGE_WIDTH = "document.documentElement.scrollWidth"
# The elements that stick out of the viewport, to name the culprit when the page scrolls sideways.
OVERFLOWING = """[...document.body.querySelectorAll('*')]
    .filter(element => {
        const box = element.getBoundingClientRect();
        return box.width && (box.right > innerWidth + 1 || box.left < -1)
            && getComputedStyle(element.parentElement).overflowX === 'visible';
    })
    .map(element => element.outerHTML.slice(0, 90)).slice(0, 5)"""


def test_seed_article_reads_right_to_left_and_fits_phone_and_desktop(page, live_server, newsroom):
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        page.goto(newsroom.get_absolute_url())
        fonts_ready(page)

        assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
        assert page.evaluate("getComputedStyle(document.querySelector('.article-body')).direction") == "rtl"
        headline = page.evaluate(HEADLINE_LINES)
        assert headline["lines"], "the headline has no text"
        # Every line of the headline ends at the box's right edge: right-aligned, as Arabic reads.
        assert all(abs(line["right"] - headline["right"]) < 2 for line in headline["lines"]), (
            width,
            headline,
        )
        assert page.evaluate(PAGE_WIDTH) <= viewport["width"], f"sideways scrolling at {width}px"


SECTION_BAR = """(() => {
    const style = getComputedStyle(document.querySelector('.page-title'));
    return {left: style.borderLeftWidth, right: style.borderRightWidth};
})()"""


def test_french_page_is_the_same_layout_mirrored(page, live_server, newsroom):
    category = newsroom.category

    page.goto(url_in("fr", "articles:detail", pk=newsroom.pk, slug=newsroom.slug))
    direction = page.evaluate("getComputedStyle(document.documentElement).direction")
    headline = page.evaluate(HEADLINE_LINES)
    page.goto(url_in("fr", "articles:category", slug=category.slug))
    french_bar = page.evaluate(SECTION_BAR)
    page.goto(url_in("ar", "articles:category", slug=category.slug))
    arabic_bar = page.evaluate(SECTION_BAR)

    assert direction == "ltr"
    assert all(abs(line["left"] - headline["left"]) < 2 for line in headline["lines"]), headline
    # One stylesheet: the red bar of a section heading stands where reading starts.
    assert french_bar == {"left": "5px", "right": "0px"}
    assert arabic_bar == {"left": "0px", "right": "5px"}


BODY_TOP = "document.querySelector('.article-body').getBoundingClientRect().top"
LAYOUT_SHIFT_OBSERVER = """() => {
    window.__layoutShift = 0;
    new PerformanceObserver(list => {
        for (const entry of list.getEntries()) {
            if (!entry.hadRecentInput) window.__layoutShift += entry.value;
        }
    }).observe({type: 'layout-shift', buffered: true});
}"""
TWO_FRAMES = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
PHOTO_LOADED = "document.querySelector('.article-image img').naturalWidth > 0"
# Resolves when the photo has loaded. page.wait_for_function would poll a string predicate
# through eval, which the site's Content Security Policy (rightly) forbids.
PHOTO_LOAD_EVENT = """() => {
    const img = document.querySelector('.article-image img');
    if (img.complete && img.naturalWidth > 0) return true;
    return new Promise(done => img.addEventListener('load', () => done(true), {once: true}));
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_featured_image_arriving_late_does_not_shift_the_text(page, live_server, newsroom, width):
    # Hold the photo back until the page has been laid out and painted, as on a slow network.
    held = []
    page.route("**/media/**", lambda route: held.append(route))
    page.set_viewport_size(WIDTHS[width])
    page.goto(newsroom.get_absolute_url(), wait_until="domcontentloaded")
    fonts_ready(page)
    page.evaluate(LAYOUT_SHIFT_OBSERVER)
    page.evaluate(TWO_FRAMES)
    body_top_before = page.evaluate(BODY_TOP)
    assert held, "the photo was requested"
    assert not page.evaluate(PHOTO_LOADED)

    for route in held:
        route.continue_()
    assert page.evaluate(PHOTO_LOAD_EVENT)
    page.evaluate(TWO_FRAMES)

    assert page.evaluate(BODY_TOP) == body_top_before
    assert page.evaluate("window.__layoutShift") < 0.01


FONT_FILES = """() => performance.getEntriesByType('resource')
    .filter(entry => entry.name.includes('/static/fonts/'))
    .map(entry => ({url: entry.name, status: entry.responseStatus}))"""


def test_arabic_text_is_drawn_with_the_shipped_naskh_font(page, live_server, newsroom):
    page.goto(newsroom.get_absolute_url())
    fonts_ready(page)

    loaded = page.evaluate(
        "[...document.fonts].filter(f => f.status === 'loaded').map(f => `${f.family} ${f.weight}`)"
    )
    assert '"Kawalis Naskh" 400' in loaded or "Kawalis Naskh 400" in loaded, loaded
    fetched = page.evaluate(FONT_FILES)
    assert {"url": f"{live_server.url}/static/fonts/noto-naskh-arabic-400.woff2", "status": 200} in fetched
    # Ask the browser which font actually drew the glyphs of the first paragraph: the web font
    # (custom), not an installed system copy of Noto or any other fallback.
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    document = cdp.send("DOM.getDocument")
    paragraph = cdp.send(
        "DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": ".article-body p"}
    )
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": paragraph["nodeId"]})["fonts"]
    arabic = max(fonts, key=lambda font: font["glyphCount"])
    assert arabic["familyName"] == "Noto Naskh Arabic", fonts
    assert arabic["isCustomFont"] is True, fonts


READER_PAGES = ["home", "article", "category", "search", "subscribe"]


def test_reader_pages_request_nothing_from_another_host(page, live_server, newsroom, page_requests):
    for language in ("ar", "fr"):
        for name in READER_PAGES:
            page.goto(reader_page_url(newsroom, name, language))
            fonts_ready(page)

    assert any("/static/css/site.css" in url for url in page_requests)
    assert any("/static/fonts/" in url for url in page_requests)
    assert any("/media/" in url for url in page_requests)
    assert foreign_requests(page_requests, live_server.url) == []


@pytest.mark.parametrize("name", READER_PAGES)
def test_reader_page_fits_every_screen_and_has_no_serious_accessibility_violation(
    page, live_server, newsroom, name
):
    problems = {}
    for language in ("ar", "fr"):
        for width, viewport in WIDTHS.items():
            page.set_viewport_size(viewport)
            page.goto(reader_page_url(newsroom, name, language))
            fonts_ready(page)
            save_screenshot(page, f"{name}-{language}-{width}")
            found = {
                "lang": page.evaluate("document.documentElement.lang") != language,
                "sideways scrolling": page.evaluate(OVERFLOWING)
                if page.evaluate(PAGE_WIDTH) > viewport["width"]
                else [],
                "axe": serious_axe_violations(page),
                "unlabelled fields": unlabelled_form_fields(page),
            }
            if any(found.values()):
                problems[f"{language} {width}px"] = {key: value for key, value in found.items() if value}

    assert problems == {}, problems


def test_every_form_field_of_the_article_page_has_a_label(page, live_server, newsroom):
    page.goto(newsroom.get_absolute_url())

    fields = page.locator("main input:visible, main textarea:visible, footer input:visible")
    assert fields.count() >= 4  # search is in the header; comment name, e-mail, text; signup e-mail
    assert unlabelled_form_fields(page) == []


def test_reader_page_works_without_javascript(browser, live_server, newsroom):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto(newsroom.get_absolute_url())
        page.get_by_role("link", name=newsroom.category.name_ar).first.click()

        assert page.url.endswith(newsroom.category.get_absolute_url())
        assert page.locator(".card-title").count() > 0
    finally:
        context.close()


def test_a_cached_article_page_arrives_compressed_and_whole(page, live_server, newsroom):
    first = page.goto(newsroom.get_absolute_url())  # rendered and stored
    html_first = page.content()
    again = page.goto(newsroom.get_absolute_url())  # served from the cache, compressed

    assert first.status == again.status == 200
    assert "content-encoding" not in first.headers
    assert again.headers["content-encoding"] == "gzip"
    assert page.title() and newsroom.title_ar in page.inner_text(".article-title")
    # The browser decoded the whole page, down to the footer's signup form, the same as first
    # but for the comment form's time token (issued as each copy is served).
    assert page.locator(".site-footer form.newsletter-signup__form button[type=submit]").count() == 1

    def without_time_token(html):
        return re.sub(r'name="token" value="[^"]*"', 'name="token" value=""', html)

    assert without_time_token(page.content()) == without_time_token(html_first)
