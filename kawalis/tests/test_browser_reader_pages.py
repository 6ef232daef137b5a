"""The reader's pages in a real headless Chromium: direction, layout, fonts, privacy, accessibility.

Each page is loaded from the live server of the test run, at a phone's width (375 px) and a
desktop's (1280 px), in Arabic and in French; screenshots go to test-artifacts/screenshots/.
"""

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from PIL import Image, ImageDraw

from articles.demo import content
from articles.models import Article, BreakingNews, Category
from articles.popularity import buffer_view, flush_view_counts
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

SEED_TITLE_FR = (
    "À la conférence d'Interpol à Glasgow, Hammouchi réaffirme l'engagement du Maroc pour la "
    "sécurité internationale et Marrakech se prépare à accueillir la prochaine session"
)
SEED_BODY_FR = (
    "<p>Le directeur général de la Sûreté nationale et de la Surveillance du territoire, "
    "M. Abdellatif Hammouchi, a pris part, à la tête d'une délégation de haut niveau, aux travaux "
    "de la 92e session de l'Assemblée générale de l'Organisation internationale de police "
    "criminelle « Interpol », tenue à Glasgow, en Écosse, du 4 au 7 novembre.</p>"
    "<p>Cette session a réuni les chefs des services de sécurité de 177 des 196 pays membres "
    "d'Interpol, ainsi que plusieurs organisations internationales et régionales.</p>"
)


def news_photo(width=1200, height=675, hue=0):
    """A JPEG that looks like a photo placeholder: a sky gradient and a city skyline."""
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    tints = [(1, 5, 8), (8, 5, 3), (3, 7, 5), (7, 4, 6)]
    red, green, blue = tints[hue % len(tints)]
    for y in range(height):
        shade = int(70 + 120 * y / height)
        draw.line([(0, y), (width, y)], fill=(shade * red // 8, shade * green // 8, shade * blue // 8))
    step = width // 12
    for index, x in enumerate(range(0, width, step)):
        top = height // 2 + (index * 37 + hue * 23) % (height // 4)
        draw.rectangle([x + step // 10, top, x + step - step // 10, height], fill=(30, 34, 48))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return ContentFile(buffer.getvalue())


@pytest.fixture
def newsroom(transactional_db):
    """The demo newsroom, with the seed article translated to French and given a photo."""
    call_command("load_demo", stdout=io.StringIO())
    seed = Article.objects.get(title_ar=content.read_seed()[0])
    seed.title_fr = SEED_TITLE_FR
    seed.body_fr = SEED_BODY_FR
    seed.image_caption_ar = "صورة توضيحية"
    seed.image_caption_fr = "Image d'illustration"
    seed.image.save("seed.jpg", news_photo(), save=False)
    seed.save()
    # A few stories with photos, views and a breaking line: a front page as readers see it.
    others = list(Article.objects.exclude(pk=seed.pk))
    for hue, article in enumerate(others[:6], start=1):
        article.image.save(f"demo-{hue}.jpg", news_photo(640, 360, hue), save=True)
    for views, article in enumerate([seed, *others[:4]][::-1], start=3):
        buffer_view(article.pk, views)
    flush_view_counts()
    BreakingNews.objects.create(article=seed, expires_at=timezone.now() + timedelta(hours=2))
    return seed


def url_in(language, url_name, **kwargs):
    with translation.override(language):
        return reverse(url_name, kwargs=kwargs)


def reader_pages(newsroom):
    category = Category.objects.get(slug=content.SEED_CATEGORY)
    return {
        "home": ("articles:home", {}),
        "article": ("articles:detail", {"pk": newsroom.pk, "slug": newsroom.slug}),
        "category": ("articles:category", {"slug": category.slug}),
    }


HEADLINE_LINES = """() => {
    const title = document.querySelector('.article-title');
    const box = title.getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(title);
    const lines = [...range.getClientRects()].map(r => ({left: r.left, right: r.right}));
    return {left: box.left, right: box.right, lines};
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_seed_article_reads_right_to_left_and_fits_phone_and_desktop(page, live_server, newsroom, width):
    page.set_viewport_size(WIDTHS[width])

    page.goto(newsroom.get_absolute_url())
    page.evaluate("document.fonts.ready")
    save_screenshot(page, f"article-ar-{width}")

    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('.article-body')).direction") == "rtl"
    headline = page.evaluate(HEADLINE_LINES)
    assert headline["lines"], "the headline has no text"
    # Every line of the headline ends at the box's right edge: right-aligned, as Arabic reads.
    assert all(abs(line["right"] - headline["right"]) < 2 for line in headline["lines"]), headline
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]


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


SECTION_BAR = """(() => {
    const style = getComputedStyle(document.querySelector('.page-title'));
    return {left: style.borderLeftWidth, right: style.borderRightWidth};
})()"""


BODY_TOP = "document.querySelector('.article-body').getBoundingClientRect().top"
LAYOUT_SHIFT_OBSERVER = """() => {
    window.__layoutShift = 0;
    new PerformanceObserver(list => {
        for (const entry of list.getEntries()) {
            if (!entry.hadRecentInput) window.__layoutShift += entry.value;
        }
    }).observe({type: 'layout-shift', buffered: true});
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_featured_image_arriving_late_does_not_shift_the_text(page, live_server, newsroom, width):
    # Hold the photo back until the page has been laid out and painted, as on a slow network.
    held = []
    page.route("**/media/**", lambda route: held.append(route))
    page.set_viewport_size(WIDTHS[width])
    page.goto(newsroom.get_absolute_url(), wait_until="domcontentloaded")
    page.evaluate("document.fonts.ready")
    page.evaluate(LAYOUT_SHIFT_OBSERVER)
    page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    body_top_before = page.evaluate(BODY_TOP)
    assert held, "the photo was requested"
    assert page.evaluate("document.querySelector('.article-image img').naturalWidth") == 0

    for route in held:
        route.continue_()
    page.wait_for_function("document.querySelector('.article-image img').naturalWidth > 0")
    page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")

    assert page.evaluate(BODY_TOP) == body_top_before
    assert page.evaluate("window.__layoutShift") < 0.01


FONT_FILES = """() => performance.getEntriesByType('resource')
    .filter(entry => entry.name.includes('/static/fonts/'))
    .map(entry => ({url: entry.name, status: entry.responseStatus}))"""


def test_arabic_text_is_drawn_with_the_shipped_naskh_font(page, live_server, newsroom):
    page.goto(newsroom.get_absolute_url())
    page.evaluate("document.fonts.ready")

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


@pytest.mark.parametrize("language", ["ar", "fr"])
def test_reader_pages_request_nothing_from_another_host(page, live_server, newsroom, page_requests, language):
    for url_name, kwargs in reader_pages(newsroom).values():
        page.goto(url_in(language, url_name, **kwargs))
        page.evaluate("document.fonts.ready")

    assert any("/static/css/site.css" in url for url in page_requests)
    assert any("/static/fonts/" in url for url in page_requests)
    assert foreign_requests(page_requests, live_server.url) == []


@pytest.mark.parametrize("language", ["ar", "fr"])
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", ["home", "article", "category"])
def test_reader_page_fits_the_screen_and_has_no_serious_accessibility_violation(
    page, live_server, newsroom, name, width, language
):
    url_name, kwargs = reader_pages(newsroom)[name]
    page.set_viewport_size(WIDTHS[width])

    page.goto(url_in(language, url_name, **kwargs))
    page.evaluate("document.fonts.ready")
    save_screenshot(page, f"{name}-{language}-{width}")

    assert page.evaluate("document.documentElement.lang") == language
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    assert serious_axe_violations(page) == []
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
