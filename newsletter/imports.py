"""CSV import of people who already agreed elsewhere (a paper form, an older list)."""

import csv
import dataclasses
import io

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from .forms import clean_single_address
from .models import Subscriber

CHUNK = 1000
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


@dataclasses.dataclass
class ImportReport:
    added: int = 0
    refused: list = dataclasses.field(default_factory=list)  # (line number, text, reason)


def import_subscribers(text, consent_text):
    """Add each valid, new address as confirmed; report every refused line with its reason.

    An address already known is refused whatever its state: above all, someone who left the
    list or bounced must never be put back by an import (only their own signup may do that).
    """
    report = ImportReport()
    now = timezone.now()
    seen = set()
    pending = []

    def flush():
        existing = set(
            Subscriber.objects.filter(email__in=[s.email for _n, _t, s in pending]).values_list(
                "email", flat=True
            )
        )
        fresh = []
        for number, raw, subscriber in pending:
            if subscriber.email in existing:
                report.refused.append((number, raw, gettext("already on the list (or left it)")))
            else:
                fresh.append(subscriber)
        created = Subscriber.objects.bulk_create(fresh, ignore_conflicts=True)
        report.added += len(created)
        pending.clear()

    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        raw = ",".join(row)
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in {"email", "e-mail", "adresse", "البريد الإلكتروني"}:
            continue
        try:
            email = clean_single_address(cells[0])
        except forms.ValidationError as error:
            report.refused.append((number, raw, " ".join(error.messages)))
            continue
        language = cells[1].lower() if len(cells) > 1 and cells[1] else settings.LANGUAGE_CODE
        if language not in LANGUAGE_CODES:
            report.refused.append((number, raw, gettext("unknown language (use ar, fr or en)")))
            continue
        if email in seen:
            report.refused.append((number, raw, gettext("appears twice in the file")))
            continue
        seen.add(email)
        pending.append(
            (
                number,
                raw,
                Subscriber(
                    email=email,
                    language=language,
                    status=Subscriber.Status.CONFIRMED,
                    signed_up_at=now,
                    confirmed_at=now,
                    consent_text=consent_text,
                    consent_at=now,
                ),
            )
        )
        if len(pending) >= CHUNK:
            flush()
    if pending:
        flush()
    report.refused.sort()
    return report
