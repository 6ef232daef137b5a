from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class KawalisConfig(AppConfig):
    """The project itself, as an app: site-wide template tags (the admin dashboard)."""

    name = "kawalis"
    verbose_name = "Kawalis"
    default = True

    def ready(self):
        from django.contrib.auth.models import Group
        from django.utils.translation import gettext

        # Staff groups are rows named in English by migrations (Editor, Moderator...); shown in
        # the admin's language (kawalis/translation_overrides.py), stored unchanged.
        Group.__str__ = lambda group: gettext(group.name)


class KawalisAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with our admin site as ``admin.site`` (throttled sign-in)."""

    default_site = "kawalis.admin_site.KawalisAdminSite"
    default = False


class TaskResultsConfig(TasksAppConfig):
    """django_tasks_db, named for the newsroom in the admin ("Tasks Database Backend" otherwise)."""

    verbose_name = _("Background tasks")
    default = False
