"""Staff groups are created by data migrations; this is the piece they share.

Permissions are normally created after all migrations ran (post_migrate), so a migration that
gives a group its permissions creates them first, for the apps it names.
"""

from django.contrib.auth.management import create_permissions


def grant_group_permissions(apps, group_name, app_labels, codenames):
    """Create ``group_name`` if needed and give it exactly ``codenames`` (``"app.codename"``)."""
    for label in app_labels:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=group_name)
    wanted = []
    for dotted in codenames:
        app_label, codename = dotted.split(".")
        wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    group.permissions.set(wanted)
    return group
