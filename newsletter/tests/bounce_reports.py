"""The reports of newsletter/tests/reports/, as mail systems send them, with our values put in.

Each file is a real report's text (a Postfix bounce, a relay's delay warning, a mailbox
provider's ARF complaint, the examples of RFC 3464 and RFC 5965) with ``{{name}}`` where a test
puts its own values: the return path the sink saw, the reader's address, a new Message-ID.
"""

import uuid
from pathlib import Path

from django.conf import settings

REPORTS = Path(__file__).with_name("reports")


def report(name, **values):
    """The bytes of ``reports/<name>`` with each ``{{key}}`` replaced (a fresh Message-ID unless given)."""
    values.setdefault("message_id", f"{uuid.uuid4().hex}@mx.example.com")
    values.setdefault("recipient", "someone@example.com")
    values.setdefault("return_path", settings.NEWSLETTER_BOUNCE_ADDRESS)
    values.setdefault("report_to", settings.NEWSLETTER_BOUNCE_ADDRESS)
    values.setdefault("original_mail_from", values["return_path"])
    values.setdefault("returned_return_path", values["return_path"])
    values.setdefault("original_rcpt_to", values["recipient"])
    values.setdefault("returned_to", values["recipient"])
    values.setdefault("one_click", "")
    text = (REPORTS / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    assert "{{" not in text, f"{name}: a value is missing ({text[text.index('{{') :][:30]})"
    return text.encode()


def return_paths(sink):
    """``{recipient: MAIL FROM}`` of what the SMTP sink received."""
    return {rcpt: mail_from for mail_from, rcpts in sink.envelopes for rcpt in rcpts}
