from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# The migration that made the search index; after it, every migrate checks the index is whole.
SEARCH_INDEX_MIGRATION = ("articles", "0010_stored_search_index")


def keep_search_index(using, **kwargs):
    """After ``migrate``: SQLite's full-text triggers survive Django rebuilding the table."""
    from django.db import connections
    from django.db.migrations.recorder import MigrationRecorder

    from .search import ensure_sqlite_index

    connection = connections[using]
    if (
        connection.vendor == "sqlite"
        and SEARCH_INDEX_MIGRATION in MigrationRecorder(connection).applied_migrations()
    ):
        ensure_sqlite_index(connection)


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles")

    def ready(self):
        # Registered here, not at import: modeltranslation has added title_ar, title_fr... by now.
        from . import dashboard  # noqa: F401  (registers the editors' dashboard panels)
        from .revisions import register_article_revisions

        register_article_revisions()
        self._tell_the_readers_cache()
        post_migrate.connect(keep_search_index, sender=self)

    @staticmethod
    def _tell_the_readers_cache():
        """What the readers' cache needs of this app: how views are counted, and when pages
        must be rendered again by the clock (the breaking-news strip)."""
        from kawalis.readercache import pages

        from . import breaking, popularity

        pages.count_views_with(popularity.ArticleViews)
        pages.expires_with(breaking.seconds_until_next_change)
