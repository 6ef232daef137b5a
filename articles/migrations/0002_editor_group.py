from django.db import migrations

from kawalis.groups import grant_group_permissions

EDITOR_PERMISSIONS = [
    f"articles.{action}_{model}"
    for model in ("article", "category")
    for action in ("add", "change", "delete", "view")
]


def create_editor_group(apps, schema_editor):
    grant_group_permissions(apps, "Editor", ["articles"], EDITOR_PERMISSIONS)


def remove_editor_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editor").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editor_group, remove_editor_group)]
