"""The demo newsroom: the seed article (exact text of the captured page) and plainly-labelled
demo articles around it. No invented news about real people: every extra article says it is a
demo."""

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

SEED_FILE = Path(__file__).with_name("seed-article.txt")
CASABLANCA = ZoneInfo("Africa/Casablanca")

CATEGORIES = [
    # slug, Arabic, French, English
    ("national", "وطنية", "National", "National"),
    ("politics", "سياسة", "Politique", "Politics"),
    ("economy", "اقتصاد", "Économie", "Economy"),
    ("society", "مجتمع", "Société", "Society"),
    ("sports", "رياضة", "Sport", "Sports"),
]

SEED_CATEGORY = "national"
SEED_PUBLISHED_AT = datetime.datetime(2024, 11, 8, 11, 30, tzinfo=CASABLANCA)
SEED_BYLINE = "كواليس اليوم"

DEMO_TITLES = {
    "ar": "مقال تجريبي رقم {n} في قسم {category}",
    "fr": "Article de démonstration n° {n} de la rubrique {category}",
    "en": "Demo article no. {n} in the {category} section",
}
DEMO_BODIES = {
    "ar": (
        "هذا نص تجريبي لعرض شكل الموقع، وليس خبرا حقيقيا.",
        "يمكن للمحررين تعديل هذا المقال أو حذفه من لوحة الإدارة.",
    ),
    "fr": (
        "Ceci est un texte de démonstration pour montrer le site ; ce n'est pas une vraie nouvelle.",
        "Les rédacteurs peuvent modifier ou supprimer cet article depuis l'administration.",
    ),
    "en": (
        "This is demo text to show the site's layout; it is not real news.",
        "Editors can change or delete this article from the admin.",
    ),
}
DEMO_ARTICLES_PER_CATEGORY = 2


def read_seed():
    """The seed article as (title, [paragraphs]), from the text captured from the source page."""
    blocks = [block.strip() for block in SEED_FILE.read_text(encoding="utf-8").split("\n\n")]
    blocks = [block for block in blocks if block]
    return blocks[0], blocks[1:]
