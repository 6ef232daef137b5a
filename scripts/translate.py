"""Fill untranslated entries of the message files from a table of translations.

Usage: .venv/bin/python scripts/translate.py TABLE.py
TABLE.py defines TRANSLATIONS = {"English msgid": {"ar": "...", "fr": "..."}, ...}.
A message with plural forms (ngettext, {% blocktranslate count %}) is keyed by its singular
msgid and gives a list of forms per language, in the order of the file's Plural-Forms: six for
Arabic (0, 1, 2, 3-10, 11-99, 100 and more), two for French (0-1, more).
English entries get their msgid (and msgid_plural) as msgstr. Existing translations are kept
unless the table gives a new one. Run scripts/messages afterwards to compile.
"""

import runpy
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main(table_path):
    table = runpy.run_path(table_path)["TRANSLATIONS"]
    missing = {}
    for language in ("ar", "fr", "en"):
        po_path = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
        po = polib.pofile(str(po_path))
        for entry in po:
            if entry.obsolete:
                continue
            if entry.msgid_plural:
                filled = _fill_plural(entry, language, table.get(entry.msgid, {}).get(language))
            else:
                value = entry.msgid if language == "en" else table.get(entry.msgid, {}).get(language)
                if value:
                    entry.msgstr = value
                filled = bool(value)
            if filled:
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            elif not (entry.msgstr or any(entry.msgstr_plural.values())):
                missing.setdefault(language, []).append(entry.msgid)
        po.save(str(po_path))
    for language, msgids in missing.items():
        print(f"{language}: {len(msgids)} untranslated", *msgids, sep="\n  ")


def _fill_plural(entry, language, forms):
    """Set a plural entry's forms from the table (English: msgid, msgid_plural); False if none."""
    if language == "en":
        forms = [entry.msgid, entry.msgid_plural]
    if not forms:
        return False
    expected = len(entry.msgstr_plural) or len(forms)
    if len(forms) != expected:
        raise SystemExit(
            f"{language}: {entry.msgid!r} needs {expected} plural forms, the table gives {len(forms)}"
        )
    entry.msgstr_plural = dict(enumerate(forms))
    return True


if __name__ == "__main__":
    main(sys.argv[1])
