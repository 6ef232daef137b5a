from django.db import migrations

from kawalis.groups import grant_group_permissions

# Moderators decide on comments and keep the blocked words; they cannot add comments in the
# readers' name, and have no right at all on articles.
MODERATOR_PERMISSIONS = [
    "comments.view_comment",
    "comments.change_comment",
    "comments.delete_comment",
    "comments.view_blockedword",
    "comments.add_blockedword",
    "comments.change_blockedword",
    "comments.delete_blockedword",
]


def create_moderator_group(apps, schema_editor):
    grant_group_permissions(apps, "Moderator", ["comments"], MODERATOR_PERMISSIONS)


def remove_moderator_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Moderator").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0001_comments_and_blocked_words"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_moderator_group, remove_moderator_group)]
