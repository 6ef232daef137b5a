"""The search index stored, not recomputed per query (articles/search.py).

The documents are written again in their new form (title | lead | body, blocks kept apart).
PostgreSQL gets a generated, weighted tsvector column per language with a GIN index, in place of
the expression indexes that made every ranked query recompute to_tsvector for each match. SQLite
gets an FTS5 index of the documents, kept by triggers, in place of a scan of the text.
"""

from django.db import migrations

from articles.search import CONFIGURATIONS, STEMMED, drop_sqlite_index, ensure_sqlite_index, rewrite_documents

LANGUAGES = ("ar", "fr", "en")
TABLE = "articles_article"


def write_documents(apps, schema_editor):
    rewrite_documents(apps.get_model("articles", "Article"))


def _weighted(code):
    config = CONFIGURATIONS[code]
    return " || ".join(
        f"setweight(to_tsvector('{config}'::regconfig, split_part(search_{code}, '|', {part})), '{weight}')"
        for part, weight in ((1, "A"), (2, "B"), (3, "C"))
    )


# The parts of text PostgreSQL's parser finds words in (the others: numbers, e-mails, URLs...).
WORD_TOKENS = "asciiword, asciihword, hword_asciipart, word, hword, hword_part"


def create_configurations(schema_editor):
    for name, language in STEMMED.items():
        schema_editor.execute(
            f"CREATE TEXT SEARCH DICTIONARY {name}_stem (TEMPLATE = snowball, Language = {language})"
        )
        schema_editor.execute(f"CREATE TEXT SEARCH CONFIGURATION {name} (COPY = {language})")
        schema_editor.execute(f"ALTER TEXT SEARCH CONFIGURATION {name} ALTER MAPPING FOR {WORD_TOKENS} WITH {name}_stem")


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        create_configurations(schema_editor)
        for code in LANGUAGES:
            schema_editor.execute(f"DROP INDEX IF EXISTS article_search_{code}_gin")
            schema_editor.execute(
                f"ALTER TABLE {TABLE} ADD COLUMN search_vector_{code} tsvector "
                f"GENERATED ALWAYS AS ({_weighted(code)}) STORED"
            )
            schema_editor.execute(
                f"CREATE INDEX article_search_vector_{code}_gin ON {TABLE} USING gin (search_vector_{code})"
            )
    else:
        ensure_sqlite_index(schema_editor.connection, TABLE)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for code in LANGUAGES:
            schema_editor.execute(f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector_{code}")
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS article_search_{code}_gin ON {TABLE} "
                f"USING gin (to_tsvector('simple'::regconfig, COALESCE((search_{code})::text, '')))"
            )
        for name in STEMMED:
            schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {name}")
            schema_editor.execute(f"DROP TEXT SEARCH DICTIONARY IF EXISTS {name}_stem")
    else:
        drop_sqlite_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_article_renditions_of"),
    ]

    operations = [
        migrations.RunPython(write_documents, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
