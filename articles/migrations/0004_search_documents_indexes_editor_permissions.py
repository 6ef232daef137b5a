from django.db import migrations
from django.utils.html import strip_tags

from articles.search import document
from kawalis.groups import add_group_permissions, remove_group_permissions

LANGUAGES = ("ar", "fr", "en")
NEW_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("tag", "articletag", "relatedarticle")
    for action in ("add", "change", "delete", "view")
]


def fill_search_documents(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    batch = []
    for article in Article.objects.order_by("pk").iterator(chunk_size=500):
        for code in LANGUAGES:
            title = getattr(article, f"title_{code}") or ""
            text = " ".join([title, getattr(article, f"lead_{code}") or "", strip_tags(getattr(article, f"body_{code}") or "")])
            setattr(article, f"search_{code}", document(text) if title else "")
        batch.append(article)
        if len(batch) == 500:
            Article.objects.bulk_update(batch, [f"search_{code}" for code in LANGUAGES])
            batch = []
    if batch:
        Article.objects.bulk_update(batch, [f"search_{code}" for code in LANGUAGES])


def create_search_indexes(apps, schema_editor):
    # Full-text search runs on PostgreSQL only; SQLite has no GIN indexes (it scans instead).
    # The expression is the one SearchVector(field, config="simple") produces in articles.search.
    if schema_editor.connection.vendor != "postgresql":
        return
    for code in LANGUAGES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS article_search_{code}_gin ON articles_article "
            f"USING gin (to_tsvector('simple'::regconfig, COALESCE((search_{code})::text, '')))"
        )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for code in LANGUAGES:
        schema_editor.execute(f"DROP INDEX IF EXISTS article_search_{code}_gin")


def grant_editors(apps, schema_editor):
    # Added to the Editor group's rights, never set: other apps grant it theirs too.
    add_group_permissions(apps, "Editor", ["articles"], [f"articles.{name}" for name in NEW_PERMISSIONS])


def revoke_editors(apps, schema_editor):
    remove_group_permissions(apps, "Editor", [f"articles.{name}" for name in NEW_PERMISSIONS])


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0003_tags_see_also_search_seo"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(fill_search_documents, migrations.RunPython.noop),
        migrations.RunPython(create_search_indexes, drop_search_indexes),
        migrations.RunPython(grant_editors, revoke_editors),
    ]
