"""What search engines and social networks read on an article page: canonical and alternate
addresses, Open Graph and Twitter cards, and schema.org ``NewsArticle`` structured data."""

import json

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from kawalis.site_url import absolute_url

from . import embeds, images
from .sanitize import plain_text

# Open Graph wants a territory; Morocco for Arabic and French, as the newsroom is Moroccan.
OPEN_GRAPH_LOCALES = {"ar": "ar_MA", "fr": "fr_MA", "en": "en_US"}
HEADLINE_MAX = 110  # Google truncates a NewsArticle headline beyond this
DESCRIPTION_MAX = 300

# The same escapes as django.utils.html.json_script: "</script>", "<!--" and "&" in a title
# cannot end or confuse the script element.
_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def article_url(article, language):
    """The article's address in ``language`` (Arabic has no prefix)."""
    with translation.override(language):
        return article.get_absolute_url()


# Social networks show shares at about 1200 px wide; a larger file only costs their crawlers.
SHARE_IMAGE_MAX_WIDTH = 1280


def share_image(article):
    """(address, width, height) of the image to share: the JPEG rendition closest under
    ``SHARE_IMAGE_MAX_WIDTH`` (JPEG: every crawler reads it), else the original."""
    if not article.image:
        return "", None, None
    width, height = article.image_width, article.image_height
    widths = images.rendition_widths(width) if width and height and images.renditions_ready(article) else []
    if not widths:
        return article.image.url, width, height
    chosen = max([w for w in widths if w <= SHARE_IMAGE_MAX_WIDTH] or widths[:1])
    url = article.image.storage.url(images.rendition_name(article.image.name, chosen, "jpg"))
    return url, chosen, images.rendition_height(width, height, chosen)


def article_card(article, request, language, coverage=None):
    """Everything the meta tags of an article page need, with absolute URLs (``coverage``: its
    live coverage, ``articles.live.Coverage``, when it has one)."""
    shown = article.content_language(language)
    canonical = absolute_url(article_url(article, shown))
    alternates = [(code, absolute_url(article_url(article, code))) for code in article.languages]
    alternates.append(("x-default", absolute_url(article_url(article, settings.LANGUAGE_CODE))))
    title = article.seo_title_in(language)
    description = Truncator(" ".join(strip_tags(article.seo_description_in(language)).split())).chars(
        DESCRIPTION_MAX
    )
    image, image_width, image_height = share_image(article)
    card = {
        "language": shown,
        "locale": OPEN_GRAPH_LOCALES.get(shown, shown),
        "other_locales": [OPEN_GRAPH_LOCALES.get(code, code) for code in article.languages if code != shown],
        "title": title,
        "description": description,
        "canonical": canonical,
        "alternates": alternates,
        "image": absolute_url(image) if image else "",
        "image_width": image_width,
        "image_height": image_height,
        "image_alt": article.image_description_in(shown) if image else "",
        "logo": absolute_url(static("img/logo.svg")),
        "home": absolute_url(reverse("articles:home")),
        "section": getattr(article.category, f"name_{shown}", None) or article.category.name,
        "tags": [getattr(tag, f"name_{shown}", None) or tag.name for tag in article.tags.all()],
    }
    card["videos"] = videos(article, card)
    card["structured_data"] = news_article(article, card)
    if coverage is not None:
        card["structured_data"] = live_blog_posting(article, card, coverage)
    return card


def live_blog_posting(article, card, coverage):
    """schema.org LiveBlogPosting: the article's NewsArticle data, its coverage times and its
    latest entries (``liveBlogUpdate``), as Google's live badge reads them."""
    from .live import STRUCTURED_UPDATES

    data = {**card["structured_data"], "@type": "LiveBlogPosting"}
    data["coverageStartTime"] = article.coverage_start.isoformat()
    if article.coverage_end:
        data["coverageEndTime"] = article.coverage_end.isoformat()
    if coverage.updated_at:
        data["dateModified"] = max(coverage.updated_at, article.updated_at, article.published_at).isoformat()
    data["liveBlogUpdate"] = [
        {
            "@type": "BlogPosting",
            "headline": Truncator(plain_text(entry.text)).chars(HEADLINE_MAX),
            "articleBody": plain_text(entry.text),
            "datePublished": entry.posted_at.isoformat(),
            "dateModified": entry.updated_at.isoformat(),
            "url": f"{card['canonical']}#{entry.anchor}",
        }
        for entry in coverage.entries[:STRUCTURED_UPDATES]
    ]
    return data


def news_article(article, card):
    """schema.org NewsArticle, with the properties Google's article rich results read."""
    authors = [
        {"@type": "Person", "name": author.name, "url": absolute_url(author.get_absolute_url())}
        for author in article.authors.all()
    ]
    byline = article.byline.strip()
    if byline and byline != settings.SITE_NAME:
        authors.append({"@type": "Person", "name": byline})
    if not authors:
        authors = [{"@type": "Organization", "name": settings.SITE_NAME, "url": card["home"]}]
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": card["canonical"]},
        "url": card["canonical"],
        "headline": Truncator(card["title"]).chars(HEADLINE_MAX),
        "description": card["description"],
        "datePublished": article.published_at.isoformat(),
        "dateModified": max(article.updated_at, article.published_at).isoformat(),
        "author": authors,
        "publisher": {
            "@type": "Organization",
            "name": settings.SITE_NAME,
            "logo": {"@type": "ImageObject", "url": card["logo"]},
        },
        "inLanguage": card["language"],
        "articleSection": card["section"],
    }
    if card["image"]:
        data["image"] = [card["image"]]
    if card["tags"]:
        data["keywords"] = card["tags"]
    if card.get("videos"):
        data["video"] = card["videos"]
    return data


def videos(article, card):
    """schema.org ``VideoObject`` of each video embedded in the body shown (YouTube, Dailymotion,
    Facebook videos, TikTok): the provider's frame as ``embedUrl``; the article's title, image and
    publication time stand for the video's own until the site knows better: the title and our
    rendition of the thumbnail fetched by the worker (``embed_fetch``), once it has them."""
    from .embed_fetch import previews

    body = getattr(article, f"body_{card['language']}", None) or article.body
    shown = [embed for embed in embeds.embeds_in(body) if embed.is_video]
    known = previews(shown)
    found = []
    for embed in shown:
        row = known.get((embed.provider, embed.id))
        video = {
            "@type": "VideoObject",
            "name": (row.title if row is not None and row.title else card["title"]),
            "description": card["description"] or card["title"],
            "uploadDate": article.published_at.isoformat(),
            "embedUrl": embed.frame_src,
            "url": embed.url,
        }
        if row is not None and row.thumbnail:
            video["thumbnailUrl"] = [absolute_url(row.thumbnail_rendition()[0])]
        elif card["image"]:
            video["thumbnailUrl"] = [card["image"]]
        found.append(video)
    return found


def breadcrumb_list(trail):
    """schema.org BreadcrumbList of ``trail``, ``[(name, path), ...]`` from the home page down:
    the path Google shows instead of the address."""
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": absolute_url(path)}
            for position, (name, path) in enumerate(trail, start=1)
        ],
    }


def json_ld_script(data):
    """``<script type="application/ld+json">`` with ``data``, safe whatever the strings hold."""
    text = json.dumps(data, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
    # Safe: the only characters that could end the element or start markup are escaped above.
    return mark_safe(f'<script type="application/ld+json">{text}</script>')
