"""Rebuild the site's self-hosted web fonts (static/fonts/) from Debian's Noto fonts.

Usage: .venv/bin/python scripts/build_fonts.py   (needs: apt-get install fonts-noto-core)

The woff2 files are committed, so running the site never needs this script; it is here so that
anyone can check where the files come from and rebuild them (another Noto release, more
characters). Each face is cut to the characters its pages use (Arabic for Naskh and Kufi, Latin
for Serif and Sans) and compressed to woff2: the Arabic body face drops from ~175 kB to a fraction
of that. The ranges below are the ones the @font-face rules in static/css/site.css declare as
``unicode-range``; change both together. The OFL licence text is copied beside the files, as the
licence asks.
"""

import re
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
SOURCE = Path("/usr/share/fonts/truetype/noto")
TARGET = ROOT / "static" / "fonts"
DEBIAN_COPYRIGHT = Path("/usr/share/doc/fonts-noto-core/copyright")

# Arabic blocks, the Latin digits and punctuation Moroccan newsrooms write inside Arabic text,
# and the joiners and direction marks that Arabic shaping needs.
ARABIC = (
    "U+0000-0040,U+005B-0060,U+007B-00A0,U+0600-06FF,U+0750-077F,U+08A0-08FF,U+200C-200F,U+25CC,"
    "U+FB50-FDFF,U+FE70-FEFF"
)
# Latin for French and English (the letters of French included), typographic punctuation, euro.
LATIN = (
    "U+0000-00FF,U+0131,U+0152-0153,U+02BB-02BC,U+02C6,U+02DA,U+02DC,U+2000-206F,U+20AC,U+2122,"
    "U+2212,U+FEFF,U+FFFD"
)

FACES = [
    # source file, output name, ranges
    ("NotoNaskhArabic-Regular.ttf", "noto-naskh-arabic-400.woff2", ARABIC),
    ("NotoNaskhArabic-Bold.ttf", "noto-naskh-arabic-700.woff2", ARABIC),
    ("NotoKufiArabic-Bold.ttf", "noto-kufi-arabic-700.woff2", ARABIC),
    ("NotoSerif-Regular.ttf", "noto-serif-latin-400.woff2", LATIN),
    ("NotoSerif-Bold.ttf", "noto-serif-latin-700.woff2", LATIN),
    ("NotoSans-Bold.ttf", "noto-sans-latin-700.woff2", LATIN),
]


def parse_ranges(ranges):
    codepoints = set()
    for part in ranges.split(","):
        start, _, end = part.strip().removeprefix("U+").partition("-")
        codepoints.update(range(int(start, 16), int(end or start, 16) + 1))
    return codepoints


def build_face(source, target, ranges):
    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]  # Arabic needs its shaping features (init, medi, fina, liga…)
    options.name_IDs = ["*"]  # keep the copyright and licence records in the file
    options.name_languages = ["*"]
    options.notdef_outline = True
    font = TTFont(source)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=parse_ranges(ranges))
    subsetter.subset(font)
    font.flavor = "woff2"
    font.save(target)


def write_licence():
    """OFL.txt from Debian's copyright file: the Noto copyright line and the licence text."""
    text = DEBIAN_COPYRIGHT.read_text(encoding="utf-8")
    match = re.search(r"^License: OFL-1\.1\n((?: .*\n?)+)", text, re.MULTILINE)
    if not match:
        sys.exit(f"error: no OFL-1.1 licence text in {DEBIAN_COPYRIGHT}")
    body = "\n".join("" if line.strip() == "." else line[1:] for line in match.group(1).splitlines())
    header = (
        "Noto Naskh Arabic, Noto Kufi Arabic, Noto Serif, Noto Sans\n"
        "Copyright 2010-2020 Google Inc. / Google LLC (the Noto project authors).\n"
        "Subset and converted to woff2 by scripts/build_fonts.py; no Reserved Font Name applies.\n\n"
        "SIL OPEN FONT LICENSE Version 1.1\n\n"
    )
    (TARGET / "OFL.txt").write_text(header + body.strip() + "\n", encoding="utf-8")


def main():
    if not SOURCE.is_dir() or not DEBIAN_COPYRIGHT.is_file():
        sys.exit("error: Noto fonts not found; install them with: apt-get install fonts-noto-core")
    TARGET.mkdir(parents=True, exist_ok=True)
    for source, target, ranges in FACES:
        build_face(SOURCE / source, TARGET / target, ranges)
        size = (TARGET / target).stat().st_size
        print(f"{target:32} {size / 1024:6.1f} kB  (from {source})")
    write_licence()


if __name__ == "__main__":
    main()
