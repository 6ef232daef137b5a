from django.db import migrations

from kawalis.groups import add_group_permissions, remove_group_permissions

# The Administrator group holds every right of the newsroom's apps (kawalis 0002): alerts too.
ADMINISTRATOR_PERMISSIONS = ["alerts.send_alert"] + [
    f"alerts.{action}_{model}"
    for model in ("subscription", "alert", "delivery")
    for action in ("add", "change", "delete", "view")
]


def grant_alerts_to_administrators(apps, schema_editor):
    add_group_permissions(apps, "Administrator", ["alerts"], ADMINISTRATOR_PERMISSIONS)


def revoke_alerts_from_administrators(apps, schema_editor):
    remove_group_permissions(apps, "Administrator", ADMINISTRATOR_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0002_editor_send_alert_permission"),
        ("kawalis", "0002_newsroom_roles"),
    ]

    operations = [migrations.RunPython(grant_alerts_to_administrators, revoke_alerts_from_administrators)]
