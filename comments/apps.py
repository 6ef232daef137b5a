from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = _("Comments")

    def ready(self):
        from . import (
            dashboard,  # noqa: F401  (registers the moderation panel)
            spam,  # noqa: F401  (refreshes the form's time token in cached pages)
        )
