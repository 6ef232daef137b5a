"""Reading what the SMTP sink received, the way a mail client would."""

import re
from urllib.parse import urlsplit

LINK = re.compile(r"https?://[^\s\"'<>]+")


def parts(message):
    """``{"text/plain": str, "text/html": str}`` of a received message."""
    found = {}
    for part in message.walk():
        if part.get_content_maintype() == "text":
            found[part.get_content_type()] = part.get_content()
    return found


def links(message, fragment):
    """Every link in the plain-text part that contains ``fragment``."""
    return [url for url in LINK.findall(parts(message)["text/plain"]) if fragment in url]


def path_of(url):
    split = urlsplit(url)
    return split.path + (f"?{split.query}" if split.query else "")


def recipients(sink):
    return [rcpt for _sender, rcpts in sink.envelopes for rcpt in rcpts]
