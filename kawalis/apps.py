from django.apps import AppConfig


class KawalisConfig(AppConfig):
    """The project itself, as an app: site-wide template tags (the admin dashboard)."""

    name = "kawalis"
    verbose_name = "Kawalis"
