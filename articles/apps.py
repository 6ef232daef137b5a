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
        self._tell_the_readers_cache()

    @staticmethod
    def _tell_the_readers_cache():
        """What the readers' cache needs of this app: how views are counted, and when pages
        must be rendered again by the clock (the breaking-news strip)."""
        from kawalis.readercache import pages

        from . import breaking, popularity

        pages.count_views_with(popularity.ArticleViews)
        pages.expires_with(breaking.seconds_until_next_change)
