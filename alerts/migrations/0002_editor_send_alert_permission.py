from django.db import migrations

from kawalis.groups import add_group_permissions, remove_group_permissions

ALERT_PERMISSIONS = ["alerts.send_alert", "alerts.view_alert", "alerts.view_subscription"]


def grant_alerts_to_editors(apps, schema_editor):
    # Added to the group's permissions (not set): other apps' migrations grant theirs too.
    add_group_permissions(apps, "Editor", ["alerts"], ALERT_PERMISSIONS)


def revoke_alerts_from_editors(apps, schema_editor):
    remove_group_permissions(apps, "Editor", ALERT_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_subscriptions_alerts_deliveries"),
        ("articles", "0002_editor_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_alerts_to_editors, revoke_alerts_from_editors)]
