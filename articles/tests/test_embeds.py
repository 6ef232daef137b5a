"""Embeds (articles/embeds.py): which addresses become a provider's embed, the marker the
sanitiser keeps, WordPress's forms of an embed, and the frames the CSP lets in."""

import pytest
from django.conf import settings

from articles import embeds
from articles.sanitize import sanitize_html
from wordpress.content import to_html

RECOGNISED = [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("https://youtube.com/watch?v=dQw4w9WgXcQ&t=42s", "youtube", "dQw4w9WgXcQ"),
    ("https://m.youtube.com/watch?v=dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ?si=abc", "youtube", "dQw4w9WgXcQ"),
    ("https://www.youtube.com/shorts/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("https://www.youtube.com/embed/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("https://x.com/MAP_Information/status/1790000000000000001", "x", "1790000000000000001"),
    ("https://twitter.com/hespress/status/1790000000000000002?s=20", "x", "1790000000000000002"),
    ("https://mobile.twitter.com/i/web/status/1790000000000000003", "x", "1790000000000000003"),
    (
        "https://www.facebook.com/hespress/posts/10160000000000001",
        "facebook",
        "hespress/posts/10160000000000001",
    ),
    ("https://www.facebook.com/hespress/videos/1234567890", "facebook", "hespress/videos/1234567890"),
    ("https://www.facebook.com/watch/?v=1234567890", "facebook", "watch/1234567890"),
    ("https://www.facebook.com/watch?v=1234567890", "facebook", "watch/1234567890"),
    ("https://fb.watch/aBc12_-x/", "facebook", "fb.watch/aBc12_-x"),
    ("https://www.instagram.com/p/C1aBcDeFgHi/", "instagram", "p/C1aBcDeFgHi"),
    ("https://instagram.com/reel/C2aBcDeFgHi/?igsh=x", "instagram", "reel/C2aBcDeFgHi"),
    (
        "https://www.tiktok.com/@hespress.tv/video/7300000000000000001",
        "tiktok",
        "hespress.tv/7300000000000000001",
    ),
    ("https://www.dailymotion.com/video/x8abc12", "dailymotion", "x8abc12"),
    ("https://www.dailymotion.com/video/x8abc12_le-titre", "dailymotion", "x8abc12"),
    ("https://dai.ly/x8abc12", "dailymotion", "x8abc12"),
]

NOT_EMBEDS = [
    "https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
    "https://evil.example/www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://youtube.com@evil.example/watch?v=dQw4w9WgXcQ",
    "https://notyoutube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ",
    "https://x.com.evil.example/a/status/1",
    "https://evilx.com/a/status/1",
    "https://www.facebook.com.evil.example/hespress/posts/1",
    "https://instagram.com.evil.example/p/abc/",
    "https://tiktok.com.evil.example/@a/video/1",
    "https://dai.ly.evil.example/x8abc12",
    "javascript:alert(1)//www.youtube.com/watch?v=dQw4w9WgXcQ",
    "https://www.youtube.com/watch?v=tooshort",
    "https://www.youtube.com/channel/UC123",
    "https://x.com/hespress",
    "https://www.facebook.com/hespress",
    "https://example.com/video/x8abc12",
]


@pytest.mark.parametrize(("url", "provider", "embed_id"), RECOGNISED)
def test_each_provider_url_form_becomes_its_embed(url, provider, embed_id):
    assert embeds.embed_for_url(url) == embeds.Embed(provider, embed_id)


@pytest.mark.parametrize(("url", "provider", "embed_id"), RECOGNISED)
def test_a_pasted_url_on_its_own_paragraph_is_stored_as_the_marker(url, provider, embed_id):
    embed = embeds.Embed(provider, embed_id)
    for pasted in (
        f'<p><a href="{url.replace("&", "&amp;")}">{url.replace("&", "&amp;")}</a></p>',
        f"<p>{url}</p>",
    ):
        assert sanitize_html(pasted) == embeds.marker_html(embed)
    assert embeds.embed_for_url(embed.url) == embed  # the stored link names the same embed


@pytest.mark.parametrize("url", NOT_EMBEDS)
def test_look_alike_hosts_and_other_urls_stay_links(url):
    assert embeds.embed_for_url(url) is None
    pasted = f'<p><a href="{url}">{url}</a></p>'
    assert "data-embed" not in sanitize_html(pasted)


def test_a_link_with_words_of_its_own_stays_a_link():
    body = '<p><a href="https://youtu.be/dQw4w9WgXcQ">watch the speech</a></p>'
    assert sanitize_html(body) == (
        '<p><a href="https://youtu.be/dQw4w9WgXcQ" rel="noopener noreferrer">watch the speech</a></p>'
    )


def test_a_url_inside_a_sentence_stays_a_link():
    body = '<p>See <a href="https://youtu.be/dQw4w9WgXcQ">https://youtu.be/dQw4w9WgXcQ</a> now.</p>'
    assert "data-embed" not in sanitize_html(body)


def test_the_marker_survives_sanitising_again_unchanged():
    marker = embeds.marker_html(embeds.Embed("facebook", "hespress/posts/10160000000000001"))
    body = f"<p>قبل</p>{marker}<p>بعد</p>"
    assert sanitize_html(body) == body
    assert sanitize_html(sanitize_html(body)) == body


@pytest.mark.parametrize(
    "forged",
    [
        '<figure data-embed="evil" data-embed-id="dQw4w9WgXcQ"><p>x</p></figure>',
        '<figure data-embed="youtube" data-embed-id="not-an-id"><p>x</p></figure>',
        '<figure data-embed="youtube" data-embed-id="dQw4w9WgXc&quot; onload=&quot;x"><p>x</p></figure>',
        '<figure data-embed-id="dQw4w9WgXcQ"><p>x</p></figure>',
    ],
)
def test_a_marker_the_site_did_not_make_loses_its_attributes(forged):
    assert sanitize_html(forged) == "<figure><p>x</p></figure>"


def test_a_valid_marker_is_rewritten_to_its_one_exact_form():
    body = (
        '<figure data-embed-id="dQw4w9WgXcQ" data-embed="youtube" lang="ar">'
        "<figcaption>x</figcaption></figure>"
    )
    assert sanitize_html(body) == embeds.marker_html(embeds.Embed("youtube", "dQw4w9WgXcQ"))


def test_every_pasted_iframe_is_removed_and_a_providers_becomes_its_marker():
    youtube = '<iframe width="560" src="https://www.youtube.com/embed/dQw4w9WgXcQ" allowfullscreen></iframe>'
    facebook = (
        '<iframe src="https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com'
        '%2Fhespress%2Fvideos%2F1234567890%2F&amp;show_text=false"></iframe>'
    )
    other = '<iframe src="https://evil.example/embed/dQw4w9WgXcQ"></iframe>'
    lookalike = '<iframe src="https://www.youtube.com.evil.example/embed/dQw4w9WgXcQ"></iframe>'
    cleaned = sanitize_html(f"{youtube}{facebook}{other}{lookalike}<p>نص</p>")
    assert "<iframe" not in cleaned
    assert cleaned == (
        embeds.marker_html(embeds.Embed("youtube", "dQw4w9WgXcQ"))
        + embeds.marker_html(embeds.Embed("facebook", "hespress/videos/1234567890"))
        + "<p>نص</p>"
    )


def test_frame_addresses_are_the_privacy_enhanced_ones_on_the_providers_frame_origins():
    assert embeds.Embed("youtube", "dQw4w9WgXcQ").frame_src.startswith(
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    )
    for url, provider, embed_id in RECOGNISED:
        embed = embeds.Embed(provider, embed_id)
        assert embed.frame_src.startswith(embed.spec.frame_origin + "/"), url


def test_csp_frame_src_names_exactly_the_providers_frame_origins():
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert sorted(directives["frame-src"]) == embeds.frame_origins()
    assert all("unsafe-inline" not in str(value) for values in directives.values() for value in values)


def test_csp_header_on_a_page_carries_the_frame_src(client):
    response = client.get("/robots.txt")
    header = response.headers["Content-Security-Policy"]
    frame_src = next(part.split()[1:] for part in header.split(";") if part.split()[:1] == ["frame-src"])
    assert sorted(frame_src) == embeds.frame_origins()


YOUTUBE_MARKER = embeds.marker_html(embeds.Embed("youtube", "dQw4w9WgXcQ"))


@pytest.mark.parametrize(
    "content",
    [
        "Avant.\n\n[embed]https://www.youtube.com/watch?v=dQw4w9WgXcQ[/embed]\n\nAprès.",
        'Avant.\n\n[embed width="640"]https://youtu.be/dQw4w9WgXcQ[/embed]\n\nAprès.',
        "Avant.\n\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ\n\nAprès.",
        "<!-- wp:paragraph --><p>Avant.</p><!-- /wp:paragraph -->\n"
        '<!-- wp:embed {"url":"https://www.youtube.com/watch?v=dQw4w9WgXcQ","type":"video",'
        '"providerNameSlug":"youtube"} -->\n<figure class="wp-block-embed is-type-video"><div '
        'class="wp-block-embed__wrapper">\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ\n</div>'
        "<figcaption>Le discours</figcaption></figure>\n<!-- /wp:embed -->\n"
        "<!-- wp:paragraph --><p>Après.</p><!-- /wp:paragraph -->",
        "<!-- wp:paragraph --><p>Avant.</p><!-- /wp:paragraph -->\n"
        '<!-- wp:core-embed/youtube {"url":"https://youtu.be/dQw4w9WgXcQ","type":"video"} -->\n'
        '<figure class="wp-block-embed-youtube wp-block-embed"><div class="wp-block-embed__wrapper">\n'
        "https://youtu.be/dQw4w9WgXcQ\n</div></figure>\n<!-- /wp:core-embed/youtube -->\n"
        "<!-- wp:paragraph --><p>Après.</p><!-- /wp:paragraph -->",
    ],
)
def test_wordpress_embed_forms_become_the_same_marker(content):
    body = sanitize_html(to_html(content).html)
    assert body.replace("\n", "") == f"<p>Avant.</p>{YOUTUBE_MARKER}<p>Après.</p>"


def test_a_wordpress_embed_of_another_site_stays_a_link():
    content = (
        '<!-- wp:embed {"url":"https://vimeo.com/123"} -->\n'
        "<figure><div>\nhttps://vimeo.com/123\n</div></figure>\n<!-- /wp:embed -->"
    )
    body = sanitize_html(to_html(content).html)
    assert (
        body == '<p><a href="https://vimeo.com/123" rel="noopener noreferrer">https://vimeo.com/123</a></p>'
    )


# --- The article page ---------------------------------------------------------------------------


def _json_ld(page):
    import json
    import re

    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.DOTALL)
    return json.loads(found.group(1))


def test_the_page_shows_the_sites_placeholder_linking_to_the_original_and_no_provider_frame(
    client, make_article
):
    article = make_article(
        body_ar="<p>قبل</p><p>https://youtu.be/dQw4w9WgXcQ</p><p>https://x.com/a/status/1790000000000000001</p>"
    )
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<iframe" not in page
    assert 'data-embed-frame="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1"' in page
    assert '<a class="embed-link" href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in page
    assert '<a class="embed-link" href="https://x.com/i/status/1790000000000000001"' in page
    assert "/static/js/embeds.js" in page
    # Nothing the browser fetches by itself (src, srcset, preloads) is on another site.
    import re

    fetched = re.findall(r'\s(?:src|srcset|href)="(https?://[^"]+)"', page)
    assert [url for url in fetched if not url.startswith("http://127.0.0.1:8000/")] == [
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ",  # links, followed only when clicked
        "https://x.com/i/status/1790000000000000001",
        *[url for url in fetched if "sharer" in url or "intent" in url or "wa.me" in url],
    ]


def test_a_page_without_embeds_loads_no_embed_script(client, make_article):
    article = make_article(body_ar='<p><a href="https://youtu.be/dQw4w9WgXcQ">الخطاب</a></p>')
    page = client.get(article.get_absolute_url()).content.decode()
    assert "embeds.js" not in page and "data-embed-frame" not in page


def test_videos_are_video_objects_in_the_json_ld_posts_are_not(client, make_article):
    article = make_article(
        title_ar="خطاب الملك",
        body_ar=(
            "<p>https://youtu.be/dQw4w9WgXcQ</p><p>https://www.instagram.com/p/C1aBcDeFgHi/</p>"
            "<p>https://www.dailymotion.com/video/x8abc12</p>"
        ),
    )
    data = _json_ld(client.get(article.get_absolute_url()).content.decode())
    assert [video["embedUrl"] for video in data["video"]] == [
        "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1",
        "https://www.dailymotion.com/embed/video/x8abc12?autoplay=1",
    ]
    for video in data["video"]:
        assert video["@type"] == "VideoObject"
        assert video["name"] == "خطاب الملك"
        assert video["uploadDate"] == article.published_at.isoformat()


def test_an_article_without_videos_has_no_video_in_its_json_ld(client, make_article):
    article = make_article(body_ar="<p>https://x.com/a/status/1790000000000000001</p>")
    assert "video" not in _json_ld(client.get(article.get_absolute_url()).content.decode())
