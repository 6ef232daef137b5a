from django.db import migrations

from kawalis.groups import add_group_permissions, remove_group_permissions

# Editors see the embeds' previews and fetch one again; administrators hold every right.
EDITOR_PERMISSIONS = ["articles.view_embed", "articles.change_embed"]
ADMINISTRATOR_PERMISSIONS = [f"articles.{action}_embed" for action in ("add", "change", "delete", "view")]


def grant(apps, schema_editor):
    add_group_permissions(apps, "Editor", ["articles"], EDITOR_PERMISSIONS)
    add_group_permissions(apps, "Administrator", ["articles"], ADMINISTRATOR_PERMISSIONS)


def revoke(apps, schema_editor):
    remove_group_permissions(apps, "Editor", EDITOR_PERMISSIONS)
    remove_group_permissions(apps, "Administrator", ADMINISTRATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0020_embed_previews"),
        ("kawalis", "0002_newsroom_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
