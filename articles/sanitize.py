"""The allowlist for editors' HTML: what the rich-text editor can make, and nothing else.

Anything outside it (``<script>``, ``on*=`` handlers, ``style``, ``javascript:`` links,
``<iframe>``) is removed by nh3 (the ammonia sanitiser), not escaped, so it never reaches a
reader. Paragraphs left empty by stray blank lines are dropped too.
"""

import re

import nh3

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "a",
    "ul",
    "ol",
    "li",
    "blockquote",
    "hr",
    "figure",
    "figcaption",
    "cite",
    "q",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    # A numbered list may continue from an earlier one ("start") or count in letters ("type").
    "ol": {"start", "type"},
    # A quote or a passage in another language than the article keeps its lang and dir.
    "*": {"lang", "dir"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}
_DIRECTIONS = {"rtl", "ltr", "auto"}
_LIST_TYPES = {"1", "a", "A", "i", "I"}
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

_EMPTY_PARAGRAPH = re.compile(r"<p(?:\s[^>]*)?>(?:\s|&nbsp;|&#160;|\u00a0|\u200b|<br\s*/?>)*</p>", re.I)


def _filter_attribute(tag, attribute, value):
    if attribute == "dir":
        return value if value.lower() in _DIRECTIONS else None
    if attribute in {"lang", "hreflang"}:
        return value if _LANG.match(value) else None
    if attribute == "start":
        return value if value.isascii() and value.isdigit() and len(value) <= 6 else None
    if attribute == "type":
        return value if value in _LIST_TYPES else None
    return value


def sanitize_html(html):
    """Return ``html`` with only the allowed tags, attributes and link schemes left."""
    if not html:
        return ""
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return _EMPTY_PARAGRAPH.sub("", cleaned).strip()


_TAG = re.compile(r"<[^>]*>")


def html_to_text(html):
    """The text a reader reads in editors' HTML, for counting, searching and summing up.

    Every tag becomes a space: ``strip_tags`` would glue the last word of a paragraph to the
    first of the next ("…اثنان</p><p>ثلاثة…" read as one word "اثنانثلاثة"). Entities become
    the characters they stand for (the result is text, escaped wherever it is shown).
    """
    from html import unescape

    return " ".join(unescape(_TAG.sub(" ", html or "")).split())


def paragraphs_to_html(text):
    """Plain text with blank-line-separated paragraphs, as ``<p>`` elements (escaped)."""
    from django.utils.html import escape

    blocks = [block.strip() for block in re.split(r"\n\s*\n|\r\n\s*\r\n", text or "")]
    return "".join(f"<p>{escape(block)}</p>" for block in blocks if block and block.strip("\u00a0 \t"))
