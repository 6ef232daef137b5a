from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class KawalisConfig(AppConfig):
    """The project itself, as an app: site-wide template tags (the admin dashboard)."""

    name = "kawalis"
    verbose_name = "Kawalis"
    default = True


class KawalisAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin, with our admin site as ``admin.site`` (throttled sign-in)."""

    default_site = "kawalis.admin_site.KawalisAdminSite"
    default = False
