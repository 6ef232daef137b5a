"""Logging that keeps readers' personal data and secret tokens out of the log files.

Logs are shipped off the machine and kept for weeks by people who never see the database. A
reader's e-mail address or the token in a confirmation link has no business there, whatever
the code that logged it (ours, Django's "Not Found: /newsletter/confirm/<token>/", a library).
"""

import logging
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Signed tokens and random keys in paths or query strings: long runs without spaces mixing
# letters and digits. Slugs (words joined by dashes) and Arabic text do not match.
TOKEN = re.compile(r"(?<![\w%-])(?=[\w:.=-]*\d)(?=[\w:.=-]*[A-Za-z])[A-Za-z0-9_:.=-]{24,}(?![\w%])")
SECRET_QUERY = re.compile(r"(?i)\b(token|key|signature|password|secret|code)=[^&\s\"']+")


def redact(text):
    """``text`` with e-mail addresses and token-like strings replaced by placeholders."""
    text = EMAIL.sub("[email]", text)
    text = SECRET_QUERY.sub(lambda match: f"{match.group(1)}=[redacted]", text)
    return TOKEN.sub(_redact_token, text)


def _redact_token(match):
    value = match.group(0)
    # A dashed slug like "breaking-news-2026-11-29-rabat" is words, not a token.
    if "-" in value and all(len(part) < 16 for part in value.split("-")):
        return value
    return "[token]"


class RedactPersonalData(logging.Filter):
    """Rewrites each record's message (with its arguments merged in) before any handler sees it."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to logging's own error report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
