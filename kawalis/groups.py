"""Staff groups are created by data migrations; this is the piece they share.

Permissions are normally created after all migrations ran (post_migrate), so a migration that
gives a group its permissions creates them first, for the apps it names.

``grant_group_permissions`` sets a group's rights when a migration creates the group;
``add_group_permissions`` / ``remove_group_permissions`` let a later migration extend (or, when
reversed, shrink) them without touching what other apps' migrations granted the same group.
"""

from django.contrib.auth.management import create_permissions


def _permissions(apps, app_labels, codenames):
    """The Permission rows for ``codenames`` (``"app.codename"``), created first if needed."""
    for label in app_labels:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    wanted = []
    for dotted in codenames:
        app_label, codename = dotted.split(".")
        wanted.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return wanted


def grant_group_permissions(apps, group_name, app_labels, codenames):
    """Create ``group_name`` if needed and give it exactly ``codenames`` (``"app.codename"``)."""
    group, _created = apps.get_model("auth", "Group").objects.get_or_create(name=group_name)
    group.permissions.set(_permissions(apps, app_labels, codenames))
    return group


def add_group_permissions(apps, group_name, app_labels, codenames):
    """Add ``codenames`` to ``group_name`` (created if needed), keeping the rights it has."""
    group, _created = apps.get_model("auth", "Group").objects.get_or_create(name=group_name)
    group.permissions.add(*_permissions(apps, app_labels, codenames))
    return group


def remove_group_permissions(apps, group_name, codenames):
    """Take ``codenames`` away from ``group_name`` if it exists (the reverse of adding them)."""
    Permission = apps.get_model("auth", "Permission")
    for group in apps.get_model("auth", "Group").objects.filter(name=group_name):
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
