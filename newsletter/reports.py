"""Reading what mail systems send back: delivery status notifications and complaint reports.

Both are ``multipart/report`` messages (RFC 6522):

- ``report-type=delivery-status`` (RFC 3464): a relay accepted our e-mail, then could not
  deliver it. Its ``message/delivery-status`` part has one block of fields per recipient:
  ``Action`` (failed, delayed, delivered, relayed, expanded), ``Status`` (``5.1.1``: the class
  5 is permanent, 4 temporary, RFC 3463), ``Final-Recipient`` / ``Original-Recipient``
  (``rfc822; reader@example.com``) and ``Diagnostic-Code`` (the remote server's words).
- ``report-type=feedback-report`` (RFC 5965, ARF): a mailbox provider tells us that its user
  marked our e-mail as spam. Its ``message/feedback-report`` part has ``Feedback-Type``
  (abuse, fraud, virus, other, not-spam...), ``Original-Mail-From`` (our return path),
  ``Original-Rcpt-To``.

Either usually carries the returned message, whole (``message/rfc822``) or its headers only
(``text/rfc822-headers``); its ``Return-Path`` and ``List-Unsubscribe`` name the delivery and
the subscriber with tokens we signed.

``parse_report(raw)`` only reads: it returns a ``Report`` or raises ``UnusableReport`` with the
reason; ``newsletter/bounces.py`` decides what a report does to the list.
"""

import dataclasses
import datetime
import email
import email.parser
import email.policy
import email.utils
import hashlib
import re

from django.utils import timezone

from .models import BounceReport
from .return_path import tokens_in

Kind = BounceReport.Kind
# RFC 3463: class.subject.detail; the class says permanent (5), temporary (4) or success (2).
STATUS_CODE = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
SMTP_REPLY = re.compile(r"\b([245])\d\d\b")
URL_IN_ANGLES = re.compile(r"<\s*(https?://[^>\s]+)\s*>")
# ARF feedback types that mean "the reader did not want this" (RFC 5965 section 7.3). Not
# "not-spam" (a reader taking back a complaint) nor "auth-failure" (RFC 6591: a report about
# our DKIM or SPF, not about the reader's wishes).
COMPLAINT_TYPES = {"abuse", "fraud", "virus", "other"}
# Where a report may show the return path its e-mail was sent with.
RECIPIENT_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
# The more severe decides when several blocks of one report are about the same reader.
SEVERITY = {Kind.HARD: 3, Kind.COMPLAINT: 3, Kind.SOFT: 2, Kind.DELIVERED: 1}


class UnusableReport(Exception):
    """A message in the bounce mailbox that is not a report we can act on (``reason`` says why)."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class Notice:
    """What a report says about one recipient of our e-mail."""

    kind: str  # a BounceReport.Kind value
    status: str  # "5.1.1", or the feedback type ("abuse")
    reason: str
    addresses: tuple = ()  # the recipient's addresses the report names, the most certain first


@dataclasses.dataclass
class Report:
    report_id: str
    reported_at: datetime.datetime
    notices: list
    # Tokens of our return addresses found in the report, signed or not (return_path.py).
    return_path_tokens: list
    # The one-click unsubscribe URLs of the returned message (each holds a signed token).
    unsubscribe_urls: list

    def most_severe(self):
        return max(self.notices, key=lambda notice: SEVERITY[notice.kind])


def parse_report(raw):
    """The ``Report`` in ``raw`` (the message's bytes), or ``UnusableReport`` saying why not."""
    try:
        message = email.message_from_bytes(raw, policy=email.policy.default)
        return _read(message, raw)
    except UnusableReport:
        raise
    except Exception as error:
        # Anyone can write to the bounce address: a message crafted to trip the e-mail
        # package (a header its parser chokes on, a charset that does not exist) is skipped
        # with its reason like any other unusable message, and the next one is read.
        raise UnusableReport(f"unreadable message ({error.__class__.__name__}: {error})") from error


def _read(message, raw):
    if message.get_content_type() != "multipart/report":
        raise UnusableReport(
            f"not a report but {message.get_content_type()} (an ordinary e-mail: auto-reply, a person)"
        )
    report_type = (message.get_param("report-type") or "").lower()
    parts = list(message.iter_parts())
    returned = _returned_headers(parts)
    if report_type == "delivery-status":
        notices, fields = _delivery_status_notices(parts)
    elif report_type == "feedback-report":
        notices, fields = _feedback_notices(parts, returned)
    else:
        raise UnusableReport(f"report-type {report_type or '(none)'} is neither delivery-status nor feedback")
    where_sent = [str(value) for name in RECIPIENT_HEADERS for value in message.get_all(name, [])]
    where_sent += fields.get_all("Original-Mail-From", []) if fields is not None else []
    where_sent += returned.get_all("Return-Path", []) if returned is not None else []
    return Report(
        report_id=_report_id(message, raw),
        reported_at=_date(message),
        notices=notices,
        return_path_tokens=[token for value in where_sent for token in tokens_in(str(value))],
        unsubscribe_urls=URL_IN_ANGLES.findall(" ".join(_values(returned, "List-Unsubscribe"))),
    )


def _delivery_status_notices(parts):
    status_part = next((part for part in parts if part.get_content_type() == "message/delivery-status"), None)
    if status_part is None:
        raise UnusableReport("a delivery-status report without its message/delivery-status part")
    blocks = _field_blocks(status_part)
    # The first block is about the message (Reporting-MTA...), the others one recipient each.
    recipients = [block for block in blocks[1:] if block.get("Action") or block.get("Final-Recipient")]
    if not recipients:
        raise UnusableReport("a delivery-status report that names no recipient")
    notices = [notice for notice in map(_recipient_notice, recipients) if notice is not None]
    if not notices:
        actions = ", ".join(sorted({_text(block.get("Action")).lower() or "(none)" for block in recipients}))
        raise UnusableReport(f"a delivery-status report with nothing failed or delayed (action {actions})")
    return notices, None


def _recipient_notice(block):
    action = _text(block.get("Action")).lower()
    status_match = STATUS_CODE.search(_text(block.get("Status")))
    diagnostic = _text(block.get("Diagnostic-Code"))
    status = ".".join(status_match.groups()) if status_match else ""
    if status_match:
        status_class = status_match.group(1)
    else:
        # Status is required (RFC 3464 2.3.4); some MTAs leave it out: the SMTP reply says it too.
        reply = SMTP_REPLY.search(diagnostic)
        status_class = reply.group(1) if reply else ""
    if action == "failed" and status_class == "5":
        kind = Kind.HARD
    elif (action == "failed" and status_class == "4") or action == "delayed":
        # A relay that gave up after days of temporary refusals says "failed" with a 4.x.x.
        kind = Kind.SOFT
    elif action == "delivered":
        kind = Kind.DELIVERED
    else:
        return None  # relayed or expanded (out of sight, not failed), or a report we cannot class
    reason = " ".join(part for part in (status, diagnostic) if part) or action
    named = (_typed_address(block.get("Final-Recipient")), _typed_address(block.get("Original-Recipient")))
    addresses = tuple(dict.fromkeys(address for address in named if address))
    return Notice(kind=kind, status=status, reason=reason[:2000], addresses=addresses)


def _feedback_notices(parts, returned):
    feedback_part = next(
        (part for part in parts if part.get_content_type() == "message/feedback-report"), None
    )
    if feedback_part is None:
        raise UnusableReport("a feedback report without its message/feedback-report part")
    [fields, *_rest] = _field_blocks(feedback_part) or [None]
    feedback_type = _text(fields.get("Feedback-Type") if fields is not None else "").lower()
    if not feedback_type:
        raise UnusableReport("a feedback report without Feedback-Type")
    if feedback_type not in COMPLAINT_TYPES:
        raise UnusableReport(f"feedback type {feedback_type} is not a complaint")
    addresses = [
        address
        for name in ("Original-Rcpt-To", "Removal-Recipient")
        for value in fields.get_all(name, [])
        for _name, address in email.utils.getaddresses([str(value)])
    ]
    if returned is not None:
        addresses += [address for _name, address in email.utils.getaddresses(_values(returned, "To"))]
    by = _text(fields.get("Reporting-MTA")) or _text(fields.get("User-Agent"))
    reason = f"{feedback_type} report" + (f" from {by}" if by else "")
    notice = Notice(
        kind=Kind.COMPLAINT,
        status=feedback_type[:40],
        reason=reason[:2000],
        addresses=tuple(dict.fromkeys(address for address in addresses if "@" in address)),
    )
    return [notice], fields


def _field_blocks(part):
    """The blocks of ``Name: value`` fields in a report part, as header-only messages."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        raise UnusableReport(f"its {part.get_content_type()} part holds no fields")
    return payload


def _returned_headers(parts):
    """The headers of our returned e-mail (a message, or headers only), or None."""
    for part in parts:
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/global"):
            payload = part.get_payload()
            if isinstance(payload, list) and payload:
                return payload[0]
        if content_type in ("text/rfc822-headers", "message/global-headers"):
            text = part.get_payload(decode=True).decode("utf-8", "replace")
            return email.parser.HeaderParser(policy=email.policy.default).parsestr(text)
    return None


def _report_id(message, raw):
    message_id = _text(message.get("Message-ID"))
    if message_id and len(message_id) <= 255:
        return message_id
    # RFC 5965's own example has no Message-ID. The body, not the whole message, is hashed:
    # each relay on the way adds its own Received line to the headers.
    body = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[-1]
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _date(message):
    """When the report was written (its Date), never in the future; now when it has none."""
    now = timezone.now()
    header = message.get("Date")
    moment = getattr(header, "datetime", None)
    if moment is None:
        return now
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.timezone.utc)
    return min(moment, now)


def _typed_address(value):
    """``rfc822; reader@example.com`` -> ``reader@example.com`` (other address types: "")."""
    address_type, _semicolon, address = _text(value).partition(";")
    if address_type.strip().lower() not in ("rfc822", "utf-8") or "@" not in address:
        return ""
    return address.strip().strip("<>").strip()


def _values(headers, name):
    return [str(value) for value in headers.get_all(name, [])] if headers is not None else []


def _text(value):
    """A field's value on one line (folded lines joined), or ""."""
    return " ".join(str(value).split()) if value is not None else ""
