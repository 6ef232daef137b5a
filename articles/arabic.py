"""Arabic as Moroccan newsrooms write it: month names and dates."""

import unicodedata

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


# --- Normalisation for search --------------------------------------------------------------
# Arabic readers type the same word many ways: with or without short vowels (tashkeel), with
# a stretched letter (tatweel), with any alef/hamza form, ة or ه at the end, ى or ي. Search
# compares words after folding all of these to one spelling.
TATWEEL = "\u0640"
_LETTER_FOLDS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",  # alef wasla
        "ة": "ه",
        "ى": "ي",
        TATWEEL: None,
        # Arabic-Indic digits (٠-٩, ۰-۹) are the same numbers as 0-9.
        **{chr(0x0660 + n): str(n) for n in range(10)},
        **{chr(0x06F0 + n): str(n) for n in range(10)},
    }
)


def normalise(text):
    """Fold ``text`` to the spelling search compares: one word per space, lower case.

    Removes tashkeel and other combining marks (also the accents of French words, so
    "élection" matches "election"), tatweel and punctuation; folds أ إ آ to ا, ة to ه, ى to
    ي and Arabic-Indic digits to 0-9. The result contains only letters, digits and single
    spaces, so it is safe to put into any query.
    """
    if not text:
        return ""
    # NFKC turns presentation forms (ﻻ) back into letters; the folds follow. NFKD then splits
    # off every mark (tashkeel, Latin accents, the hamza over و and ي), and marks are dropped.
    text = unicodedata.normalize("NFKC", str(text)).translate(_LETTER_FOLDS)
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category.startswith("M"):
            continue  # tashkeel, superscript alef, Latin accents
        kept.append(char if category[0] in "LN" else " ")
    return " ".join(unicodedata.normalize("NFC", "".join(kept)).split())
