"""Arabic as Moroccan newsrooms write it: month names and dates."""

from django.utils import timezone
from django.utils.formats import date_format

# Morocco uses the French-derived month names (as in "نونبر" on the source page), not the
# Levantine (تشرين) or the Egyptian (نوفمبر) ones.
MOROCCAN_MONTHS = (
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "ماي",
    "يونيو",
    "يوليوز",
    "غشت",
    "شتنبر",
    "أكتوبر",
    "نونبر",
    "دجنبر",
)
ARABIC_WEEKDAYS = ("الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد")


def moroccan_date(value, with_time=True, with_weekday=True):
    """Format an aware datetime the way Moroccan news sites do: "الجمعة 8 نونبر 2024 - 14:30".

    Digits stay Western (0-9), as on Moroccan sites. The time is local (Africa/Casablanca).
    """
    local = timezone.localtime(value)
    text = f"{local.day} {MOROCCAN_MONTHS[local.month - 1]} {local.year}"
    if with_weekday:
        text = f"{ARABIC_WEEKDAYS[local.weekday()]} {text}"
    if with_time:
        text = f"{text} - {local:%H:%M}"
    return text


def newsroom_date(value, language, with_time=True):
    """The publication date in the reader's language: Moroccan Arabic, or Django's format."""
    if value is None:
        return ""
    if language == "ar":
        return moroccan_date(value, with_time=with_time)
    local = timezone.localtime(value)
    return date_format(local, "DATETIME_FORMAT" if with_time else "DATE_FORMAT", use_l10n=True)
