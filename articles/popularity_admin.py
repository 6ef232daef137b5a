"""View counts in the article list of the admin (flushed counts; see articles/popularity.py)."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import ArticleViewCount
from .popularity import current_hour


def views_since(since=None):
    """An annotation: the article's flushed views since ``since`` (all time when None).

    A subquery rather than a join, so it adds up correctly next to any other annotation.
    """
    rows = ArticleViewCount.objects.filter(article=OuterRef("pk"))
    if since is not None:
        rows = rows.filter(hour__gte=since)
    total = rows.order_by().values("article").annotate(total=Sum("views")).values("total")
    return Coalesce(Subquery(total), 0)


class ViewCountsAdminMixin:
    """Adds "views (7 days)" and "views (total)" columns, sortable, to the article list."""

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                views_week=views_since(current_hour(timezone.now() - timedelta(days=7))),
                views_total=views_since(),
            )
        )

    def get_list_display(self, request):
        return [*super().get_list_display(request), "views_last_7_days", "views_all_time"]

    @admin.display(description=_("views (7 days)"), ordering="views_week")
    def views_last_7_days(self, article):
        return article.views_week

    @admin.display(description=_("views (total)"), ordering="views_total")
    def views_all_time(self, article):
        return article.views_total
