from django.db import migrations

from kawalis.groups import add_group_permissions, remove_group_permissions

BREAKING_NEWS_PERMISSIONS = [f"articles.{action}_breakingnews" for action in ("add", "change", "delete", "view")]


def grant_breaking_news_to_editors(apps, schema_editor):
    # Added to the group's permissions (not set): other apps' migrations grant theirs too.
    add_group_permissions(apps, "Editor", ["articles"], BREAKING_NEWS_PERMISSIONS)


def revoke_breaking_news_from_editors(apps, schema_editor):
    remove_group_permissions(apps, "Editor", BREAKING_NEWS_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_breaking_news_and_view_counts"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_breaking_news_to_editors, revoke_breaking_news_from_editors)]
