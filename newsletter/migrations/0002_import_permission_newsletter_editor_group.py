from django.db import migrations

from kawalis.groups import grant_group_permissions

GROUP = "Newsletter editor"
# They compose, test and send newsletters and see who is subscribed; exporting or importing
# the list (personal data in bulk) stays with whoever is given those two permissions.
NEWSLETTER_EDITOR_PERMISSIONS = [
    f"newsletter.{codename}"
    for codename in (
        "add_mailing",
        "change_mailing",
        "delete_mailing",
        "view_mailing",
        "send_mailing",
        "view_subscriber",
        "view_delivery",
    )
]


def create_newsletter_editor_group(apps, schema_editor):
    grant_group_permissions(apps, GROUP, ["newsletter"], NEWSLETTER_EDITOR_PERMISSIONS)


def remove_newsletter_editor_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0001_subscribers_mailings_deliveries"),
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
        migrations.RunPython(create_newsletter_editor_group, remove_newsletter_editor_group),
    ]
