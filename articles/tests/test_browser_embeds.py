"""Embeds in a real Chromium: nothing leaves the site before the reader's click, the provider's
frame after it, and the content security policy holds throughout."""

import pytest

from kawalis.tests.browser import foreign_requests

pytestmark = pytest.mark.browser

PROVIDER_PAGE = "<!doctype html><title>provider</title><p>the provider's player</p>"


def test_the_providers_frame_loads_only_after_the_click(
    page, page_requests, live_server, make_article, transactional_db
):
    article = make_article(body_ar="<p>قبل الفيديو</p><p>https://youtu.be/dQw4w9WgXcQ</p><p>بعد</p>")
    provider_requests = []

    def provider(route):
        provider_requests.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body=PROVIDER_PAGE)

    # No Internet is needed: whatever would leave the site is aborted, but the provider's frame,
    # answered here once the reader asked for it.
    page.route("https://www.youtube-nocookie.com/**", provider)
    page.route(
        lambda url: not url.startswith(live_server.url) and "youtube-nocookie" not in url, lambda r: r.abort()
    )
    console = []
    page.on("console", lambda message: console.append(message.text))

    page.goto(article.get_absolute_url())
    page.wait_for_load_state("networkidle")
    assert foreign_requests(page_requests, live_server.url) == []
    assert page.locator("iframe").count() == 0
    link = page.locator(".embed-link")
    assert link.get_attribute("href") == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"

    link.click()
    frame = page.locator("figure.embed iframe")
    frame.wait_for()
    assert frame.get_attribute("src") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"
    page.wait_for_load_state("networkidle")
    assert provider_requests == ["https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"]
    assert foreign_requests(page_requests, live_server.url) == provider_requests
    assert page.url.endswith(article.get_absolute_url())  # the click did not follow the link
    assert [text for text in console if "Content Security Policy" in text] == []
