"""How a comment's plain text is shown: paragraphs, line breaks and safe links, nothing else.

Every piece of the reader's text goes through ``escape``; the only HTML in the output is the
``<p>``, ``<br>`` and ``<a>`` written here. Only http(s) addresses become links, so a
``javascript:`` text stays text.
"""

import re

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
# Punctuation that ends a sentence rather than the address (Latin and Arabic).
TRAILING = ".,;:!?)]}»’”،؛؟"
LINK_REL = "nofollow ugc noopener"


def _linkified_line(line):
    pieces = []
    position = 0
    for match in URL.finditer(line):
        url = match.group(0)
        trimmed = url.rstrip(TRAILING)
        end = match.start() + len(trimmed)
        pieces.append(escape(line[position : match.start()]))
        href = trimmed if "://" in trimmed else f"https://{trimmed}"
        pieces.append(format_html('<a href="{}" rel="{}">{}</a>', href, LINK_REL, trimmed))
        position = end
    pieces.append(escape(line[position:]))
    return "".join(pieces)


def comment_html(text):
    """Safe HTML for a comment body: blank lines make paragraphs, single newlines ``<br>``."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [part.strip("\n") for part in re.split(r"\n\s*\n", text) if part.strip()]
    html = "".join(
        "<p>" + "<br>".join(_linkified_line(line) for line in paragraph.split("\n")) + "</p>"
        for paragraph in paragraphs
    )
    # Safe: built only from escaped reader text and the fixed tags above.
    return mark_safe(html)
