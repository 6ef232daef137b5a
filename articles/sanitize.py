"""The allowlist for editors' HTML: what the rich-text editor can make, and nothing else.

Anything outside it (``<script>``, ``on*=`` handlers, ``style``, ``javascript:`` links,
``<iframe>``) is removed by nh3 (the ammonia sanitiser), not escaped, so it never reaches a
reader (an allowlisted provider's iframe first becomes that provider's embed marker:
articles/embeds.py). Paragraphs left empty by stray blank lines are dropped too.

A block the allowlist does not keep (a pasted ``<div>``, ``<section>``) leaves its text, and a
space where it ended, so that its last word and the next block's first stay two words (for
readers, for search). ``plain_text`` reads editors' HTML as text the same way.
"""

import re
from html.parser import HTMLParser

import nh3

from . import embeds

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
    # Tables (results, figures, timetables), from the editor's table button or pasted: kept as
    # structure only, no styles or widths.
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    # A numbered list may continue from an earlier one ("start") or count in letters ("type").
    "ol": {"start", "type"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    # An embed's marker (articles/embeds.py), kept only in the exact form embeds.marker_html makes.
    "figure": {"data-embed", "data-embed-id"},
    # A quote or a passage in another language than the article keeps its lang and dir.
    "*": {"lang", "dir"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "tel"}
_DIRECTIONS = {"rtl", "ltr", "auto"}
_LIST_TYPES = {"1", "a", "A", "i", "I"}
_SCOPES = {"row", "col", "rowgroup", "colgroup"}
_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

# Elements that end a block of text (HTML's flow content that is not phrasing content).
BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "br", "caption", "dd", "details", "dialog", "div"),
        *("dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5"),
        *("h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table"),
        *("tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
    }
)
_REMOVED_BLOCK_END = re.compile(
    r"</(?:%s)\s*>" % "|".join(sorted(BLOCK_TAGS - ALLOWED_TAGS)),  # noqa: UP031 (a regex of names)
    re.IGNORECASE,
)
_EMPTY_PARAGRAPH = re.compile(r"<p(?:\s[^>]*)?>(?:\s|&nbsp;|&#160;|\u00a0|\u200b|<br\s*/?>)*</p>", re.I)


_EMBED_VALUE = re.compile(r"^[A-Za-z0-9._/-]{1,120}$")


def _filter_attribute(tag, attribute, value):
    if attribute in {"data-embed", "data-embed-id"}:
        return value if _EMBED_VALUE.match(value) else None
    if attribute == "dir":
        return value if value.lower() in _DIRECTIONS else None
    if attribute in {"lang", "hreflang"}:
        return value if _LANG.match(value) else None
    if attribute == "start":
        return value if value.isascii() and value.isdigit() and len(value) <= 6 else None
    if attribute in {"colspan", "rowspan"}:
        return value if value.isascii() and value.isdigit() and 0 < int(value) <= 100 else None
    if attribute == "scope":
        return value if value in _SCOPES else None
    if attribute == "type":
        return value if value in _LIST_TYPES else None
    return value


def sanitize_html(html):
    """Return ``html`` with only the allowed tags, attributes and link schemes left."""
    if not html:
        return ""
    cleaned = nh3.clean(
        _REMOVED_BLOCK_END.sub(lambda end: end.group(0) + " ", embeds.iframes_as_links(html)),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        attribute_filter=_filter_attribute,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    cleaned = embeds.markers_from_sanitised(_blocks_outside_inline(cleaned))
    return _EMPTY_PARAGRAPH.sub("", cleaned).strip()


# Void elements: no end tag, nothing inside.
_VOID = frozenset({"br", "hr", "img", "wbr"})


class _BlockMender(HTMLParser):
    """Rewrites well-formed HTML so that no block sits inside an inline element."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.out, self.stack, self.dropped = [], [], []

    def _inline_run(self):
        """The inline elements open since the nearest open block (or the top)."""
        run = []
        for tag in reversed(self.stack):
            if tag in BLOCK_TAGS:
                break
            run.append(tag)
        return run

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            for inline in self._inline_run():  # closed here: a block may not sit inside them
                self.out.append(f"</{inline}>")
                self.stack.pop()
                self.dropped.append(inline)
        self.out.append(self.get_starttag_text())
        if tag not in _VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack:
                open_tag = self.stack.pop()
                self.out.append(f"</{open_tag}>")
                if open_tag == tag:
                    break
        elif tag in self.dropped:
            self.dropped.remove(tag)  # already closed before the block it held

    def handle_data(self, data):
        self.out.append(data)

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")


def _blocks_outside_inline(html):
    """An unclosed ``<b>`` in pasted or imported HTML makes the parser put every block after it
    inside the ``<b>`` (``<b><p>…</p></b>``), which HTML forbids: such inline elements end where
    the block begins."""
    if "<" not in html:
        return html
    mender = _BlockMender()
    mender.feed(html)
    mender.close()
    return "".join(mender.out) + "".join(f"</{tag}>" for tag in reversed(mender.stack))


def paragraphs_to_html(text):
    """Plain text with blank-line-separated paragraphs, as ``<p>`` elements (escaped)."""
    from django.utils.html import escape

    blocks = [block.strip() for block in re.split(r"\n\s*\n|\r\n\s*\r\n", text or "")]
    return "".join(f"<p>{escape(block)}</p>" for block in blocks if block and block.strip("\u00a0 \t"))


class _TextReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        self.handle_starttag(tag, ())

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(markup):
    """The text of editors' HTML, a space between blocks (``<li>a</li><li>b</li>`` is "a b", never
    "ab", as ``strip_tags`` gives), entities decoded, whitespace collapsed."""
    if not markup:
        return ""
    reader = _TextReader()
    reader.feed(markup)
    reader.close()
    return " ".join("".join(reader.parts).split())
