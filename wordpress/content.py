"""A WordPress post's content as clean HTML for the article body.

WordPress stores three kinds of content, often mixed in one archive: classic HTML whose
paragraphs are blank lines (``wpautop`` makes them ``<p>`` when a page is shown), Gutenberg
blocks (HTML between ``<!-- wp:... -->`` comments), and shortcodes (``[caption]``,
``[gallery]``, ``[embed]``, a plugin's own). ``[embed]URL[/embed]``, a URL alone on its line and
Gutenberg embed blocks become a link paragraph, which the sanitiser turns into the site's embed
for an allowlisted provider (``articles.embeds``). What comes out is HTML the editor's sanitiser then
reduces to what the site allows (``articles.sanitize``); no shortcode is ever left as brackets
on the page. ``Converted.notes`` says what could not be kept (inline images, galleries), for
the import's report.
"""

import json
import re
from dataclasses import dataclass, field

from django.utils.html import escape

# A Gutenberg embed block, whole: <!-- wp:embed {"url":"…"} --> … <!-- /wp:embed --> (older
# WordPress: wp:core-embed/youtube and the like).
_EMBED_BLOCK = re.compile(
    r"<!--\s*wp:(embed|core-embed/[\w-]+)\s+(\{.*?\})\s*(?:/-->|-->.*?<!--\s*/wp:\1\s*-->)", re.DOTALL
)
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:.*?-->", re.DOTALL)
# [name attributes] ... [/name], or [name attributes] alone; [[name]] is a shortcode written out.
_SHORTCODE = re.compile(
    r"\[(\[?)([A-Za-z][\w-]*)(\s[^\]]*)?\](?:(.*?)\[/\2\])?(\]?)",
    re.DOTALL,
)
_ATTRIBUTE = re.compile(r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|(\S+))""")
_URL_LINE = re.compile(r"^[ \t]*(https?://[^\s<>\"]+)[ \t]*$", re.MULTILINE)
_BLOCK_START = re.compile(
    r"^\s*<(?:p|h[1-6]|ul|ol|li|blockquote|div|table|figure|pre|hr|section|dl|address)[\s>/]", re.IGNORECASE
)
_IMAGE = re.compile(r"<img\b", re.IGNORECASE)
_LINKED_IMAGE = re.compile(r"<a\b[^>]*>\s*<img[^>]*>\s*</a>|<img[^>]*>", re.IGNORECASE)
MEDIA_SHORTCODES = {"audio", "video", "playlist"}


@dataclass
class Converted:
    html: str
    notes: list = field(default_factory=list)


def _attributes(text):
    return {
        match.group(1).lower(): next(value for value in match.groups()[1:] if value is not None)
        for match in _ATTRIBUTE.finditer(text or "")
    }


def _link(url):
    safe = escape(url)
    return f'<p><a href="{safe}">{safe}</a></p>'


def _embed_block(attributes):
    """A Gutenberg embed block as a link paragraph to its address: the sanitiser makes it the
    site's embed when the provider is allowlisted (articles/embeds.py), else it stays a link."""
    try:
        url = json.loads(attributes).get("url", "")
    except (ValueError, AttributeError):
        return ""
    return _link(url) if isinstance(url, str) and url.startswith(("http://", "https://")) else ""


def _shortcodes(text, notes):
    def replace(match):
        opening, name, attributes, inner, closing = match.groups()
        if opening and closing:
            return match.group(0)[1:-1]  # [[caption]] is the text "[caption]"
        name = name.lower()
        attributes = _attributes(attributes)
        inner = _shortcodes(inner or "", notes)
        if name in {"caption", "wp_caption"}:
            caption = (
                attributes.get("caption")
                or _IMAGE.sub("", re.sub(r"<a\b[^>]*>\s*<img[^>]*>\s*</a>|<img[^>]*>", "", inner)).strip()
            )
            if _IMAGE.search(inner):
                notes.append(
                    "an inline image (the body keeps its caption; the site shows the featured image only)"
                )
            return f"<figure><figcaption>{caption}</figcaption></figure>" if caption else ""
        if name == "gallery":
            notes.append("a gallery (not kept: the site shows the featured image only)")
            return ""
        if name == "embed":
            url = inner.strip() or attributes.get("src", "")
            return _link(url) if url.startswith(("http://", "https://")) else ""
        if name in MEDIA_SHORTCODES:
            url = attributes.get("src") or next(
                (v for k, v in attributes.items() if v.startswith("http")), ""
            )
            return _link(url) if url else ""
        return inner  # a plugin's shortcode: its content stays, the brackets go

    return _SHORTCODE.sub(replace, text)


def _paragraphs(text):
    """``wpautop``: blank-line-separated text as paragraphs, single line breaks as ``<br>``;
    chunks that already are HTML blocks are kept as they are."""
    chunks = [chunk.strip() for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    html = []
    for chunk in chunks:
        if not chunk:
            continue
        if _BLOCK_START.match(chunk):
            html.append(chunk)
        else:
            html.append("<p>" + "<br>\n".join(line.strip() for line in chunk.split("\n")) + "</p>")
    return "\n".join(html)


def to_html(content):
    """``content`` as WordPress stored it, as the article body's HTML (before sanitising)."""
    notes = []
    gutenberg = "<!-- wp:" in content
    text = _EMBED_BLOCK.sub(lambda match: _embed_block(match.group(2)), content)
    text = _BLOCK_COMMENT.sub("", text)
    # A URL alone on its line is an embed in WordPress: here a link to it.
    text = _URL_LINE.sub(lambda match: _link(match.group(1)), text)
    text = _shortcodes(text, notes)
    if not gutenberg:
        text = _paragraphs(text)
    if _IMAGE.search(text):
        notes.append("an inline image (the site shows the featured image only)")
    return Converted(html=text.strip(), notes=notes)
