"""Fill untranslated entries of the message files from a table of translations.

Usage: .venv/bin/python scripts/translate.py TABLE.py
TABLE.py defines TRANSLATIONS = {"English msgid": {"ar": "...", "fr": "..."}, ...}.
English entries get their msgid as msgstr. Existing translations are kept unless the table
gives a new one. Run scripts/messages afterwards to compile.
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
            value = entry.msgid if language == "en" else table.get(entry.msgid, {}).get(language)
            if value:
                entry.msgstr = value
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            elif not entry.msgstr:
                missing.setdefault(language, []).append(entry.msgid)
        po.save(str(po_path))
    for language, msgids in missing.items():
        print(f"{language}: {len(msgids)} untranslated", *msgids, sep="\n  ")


if __name__ == "__main__":
    main(sys.argv[1])
