from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles")

    def ready(self):
        # Registered here, not at import: modeltranslation has added title_ar, title_fr... by now.
        from . import dashboard  # noqa: F401  (registers the editors' dashboard panels)
        from .revisions import register_article_revisions

        register_article_revisions()
