from django.contrib.auth.management import create_permissions
from django.db import migrations

BREAKING_NEWS_PERMISSIONS = [f"{action}_breakingnews" for action in ("add", "change", "delete", "view")]


def grant_breaking_news_to_editors(apps, schema_editor):
    # Added to the group's permissions (not set): other apps' migrations grant theirs too.
    app_config = apps.get_app_config("articles")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="Editor")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="articles", codename__in=BREAKING_NEWS_PERMISSIONS)
    )


def revoke_breaking_news_from_editors(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Editor"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="articles", codename__in=BREAKING_NEWS_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_breaking_news_and_view_counts"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_breaking_news_to_editors, revoke_breaking_news_from_editors)]
