from django.contrib.auth.management import create_permissions
from django.db import migrations

# Editors compose, test and send newsletters and see who is subscribed; exporting or importing
# the list (personal data in bulk) stays with whoever is given those two permissions.
EDITOR_PERMISSIONS = [
    "add_mailing",
    "change_mailing",
    "delete_mailing",
    "view_mailing",
    "send_mailing",
    "view_subscriber",
    "view_delivery",
]


def grant_newsletter_to_editors(apps, schema_editor):
    # Added to the group's permissions (not set): other apps' migrations grant theirs too.
    app_config = apps.get_app_config("newsletter")
    app_config.models_module = True
    create_permissions(app_config, verbosity=0, apps=apps)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="Editor")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="newsletter", codename__in=EDITOR_PERMISSIONS)
    )


def revoke_newsletter_from_editors(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Editor"):
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="newsletter", codename__in=EDITOR_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0001_subscribers_mailings_deliveries"),
        # That migration sets the Editor group's permissions outright; ours are added after it.
        ("articles", "0002_editor_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="subscriber",
            options={
                "ordering": ["-signed_up_at", "-id"],
                "permissions": [
                    ("export_subscribers", "Can export subscribers as CSV"),
                    ("import_subscribers", "Can import subscribers who already consented"),
                ],
                "verbose_name": "subscriber",
                "verbose_name_plural": "subscribers",
            },
        ),
        migrations.RunPython(grant_newsletter_to_editors, revoke_newsletter_from_editors),
    ]
