"""The newsroom's roles (README "Roles and review"), across the apps, so they live here.

- Reporter: writes articles, tags and see-also picks, and submits them for review; never
  publishes (no ``articles.publish_article``), never deletes.
- Editor (articles 0002 and later): reviews, returns with a note, publishes; and moderates
  comments too, as one person does both in a small newsroom (before this, an Editor met a 403
  on the comments until also put in Moderator).
- Moderator (comments 0002): comments only.
- Administrator: every right of the newsroom's apps and of accounts and groups, as they stand
  at this migration (a later migration adding a permission adds it to the group).
"""

from django.db import migrations

from kawalis.groups import add_group_permissions, grant_group_permissions, remove_group_permissions

REPORTER_PERMISSIONS = [
    *(f"articles.{action}_article" for action in ("add", "change", "view")),
    *(f"articles.{action}_{model}" for model in ("articletag", "relatedarticle") for action in ("add", "change", "delete", "view")),
    "articles.add_tag",
    "articles.view_tag",
    "articles.view_category",
    "articles.view_author",
]
# The moderators' rights (comments 0002_moderator_group), given to editors as well.
EDITOR_COMMENT_PERMISSIONS = [
    "comments.view_comment",
    "comments.change_comment",
    "comments.delete_comment",
    "comments.view_blockedword",
    "comments.add_blockedword",
    "comments.change_blockedword",
    "comments.delete_blockedword",
]
ADMINISTRATOR_APPS = ["auth", "kawalis", "articles", "comments", "newsletter", "wordpress", "reversion", "django_tasks_database"]


def create_roles(apps, schema_editor):
    grant_group_permissions(apps, "Reporter", ["articles"], REPORTER_PERMISSIONS)
    add_group_permissions(apps, "Editor", ["comments"], EDITOR_COMMENT_PERMISSIONS)
    Permission = apps.get_model("auth", "Permission")
    grant_group_permissions(apps, "Administrator", ADMINISTRATOR_APPS, [])
    apps.get_model("auth", "Group").objects.get(name="Administrator").permissions.set(
        Permission.objects.filter(content_type__app_label__in=ADMINISTRATOR_APPS)
    )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Reporter", "Administrator"]).delete()
    remove_group_permissions(apps, "Editor", EDITOR_COMMENT_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("kawalis", "0001_worker_beats"),
        ("articles", "0019_review_workflow_and_expiry"),
        ("comments", "0002_moderator_group"),
        ("newsletter", "0005_delivery_uncertain"),
        ("wordpress", "0001_initial"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
