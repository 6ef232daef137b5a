"""The old site's mailing list, from the CSV its mailing plugin exports (MailPoet, Newsletter,
Sendinblue's and most others: a header row naming an e-mail column and a status column).

Only people the file records as having confirmed are imported, as confirmed subscribers, with a
consent text saying where their consent was given; everyone else (unconfirmed, unsubscribed,
bounced, no status at all) is left out and counted: asking them again would be a mailing to
people who never said yes here, which is what gets a sender's domain blocked. Addresses already
on the list are never touched (``newsletter.imports.import_subscribers``'s rules).
"""

import csv
import io
from collections import Counter

from django.utils import timezone

from newsletter.imports import import_subscribers

EMAIL_COLUMNS = ("email", "e-mail", "user_email", "subscriber_email", "email address", "mail")
STATUS_COLUMNS = ("status", "subscriber_status", "state", "confirmed")
LANGUAGE_COLUMNS = ("language", "lang", "locale")
CONFIRMED = {"subscribed", "confirmed", "active", "c", "1", "yes", "true", "s"}


def _column(header, names):
    lowered = [name.strip().lower() for name in header]
    return next((lowered.index(name) for name in names if name in lowered), None)


def import_mailing_list(text, site):
    """Import the confirmed people of ``text`` (the plugin's CSV). Returns ``(added, left_out)``:
    the number added and a ``Counter`` of who was left out and why."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValueError("the subscribers file is empty")
    header, body = rows[0], rows[1:]
    email, status = _column(header, EMAIL_COLUMNS), _column(header, STATUS_COLUMNS)
    language = _column(header, LANGUAGE_COLUMNS)
    if email is None or status is None:
        raise ValueError(
            "the subscribers file needs a header row naming an e-mail column and a status column "
            f"(it has: {', '.join(header) or 'nothing'})"
        )
    left_out, confirmed = Counter(), []
    for row in body:
        if len(row) <= max(email, status):
            left_out["short line"] += 1
            continue
        state = row[status].strip().lower()
        if state not in CONFIRMED:
            left_out[f"status “{state or 'none'}” (not a confirmed subscriber)"] += 1
            continue
        code = row[language].strip().lower()[:2] if language is not None and len(row) > language else ""
        confirmed.append([row[email].strip(), code])
    buffer = io.StringIO()
    csv.writer(buffer).writerows(confirmed)
    consent = (
        f"Confirmed subscriber of the mailing list of {site}, as its mailing plugin recorded; "
        f"imported on {timezone.now():%Y-%m-%d}."
    )
    report = import_subscribers(buffer.getvalue(), consent)
    for _number, _raw, reason in report.refused:
        left_out[f"refused: {reason}"] += 1
    return report.added, left_out
