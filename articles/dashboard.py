"""The articles app's panels on the editors' dashboard (admin index): what waits for review,
what is waiting to go out, what readers read today, and what the breaking-news strip shows."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kawalis.dashboard import dashboard_panel

from . import workflow
from .models import Article, BreakingNews

PANEL_LENGTH = 8


def start_of_today():
    """Midnight in the newsroom's time zone: "today" as the desk means it."""
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)


@dashboard_panel(order=10)
def drafts_and_scheduled(request):
    if not request.user.has_perm("articles.view_article"):
        return None
    now = timezone.now()
    scheduled = Article.objects.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
    drafts = Article.objects.filter(status=Article.Status.DRAFT)
    changelist = reverse("admin:articles_article_changelist")
    return {
        "title": _("Drafts and scheduled articles"),
        "template": "articles/admin/_dashboard_drafts.html",
        "scheduled": scheduled.select_related("category").order_by("published_at", "id")[:PANEL_LENGTH],
        "scheduled_count": scheduled.count(),
        "drafts": drafts.select_related("category").order_by("-updated_at", "-id")[:PANEL_LENGTH],
        "drafts_count": drafts.count(),
        "drafts_url": f"{changelist}?status__exact={Article.Status.DRAFT}",
        "add_url": reverse("admin:articles_article_add"),
    }


@dashboard_panel(order=5)
def ready_for_review(request):
    """The editors' queue: what writers submitted, the longest waiting first."""
    if not workflow.can_publish(request.user):
        return None
    waiting = Article.objects.filter(status=Article.Status.REVIEW)
    return {
        "title": _("Ready for review"),
        "template": "articles/admin/_dashboard_review.html",
        "articles": waiting.select_related("category").order_by("updated_at", "id")[:PANEL_LENGTH],
        "count": waiting.count(),
        "queue_url": f"{reverse('admin:articles_article_changelist')}?state=review",
    }


@dashboard_panel(order=30)
def most_read_today(request):
    if not request.user.has_perm("articles.view_article"):
        return None
    return {
        "title": _("Most read today"),
        "template": "articles/admin/_dashboard_most_read.html",
        "articles": Article.objects.most_read_in_windows({"today": start_of_today()}, PANEL_LENGTH)["today"],
    }


@dashboard_panel(order=15)
def breaking_news_status(request):
    if not request.user.has_perm("articles.view_breakingnews"):
        return None
    now = timezone.now()
    current = BreakingNews.objects.not_expired(now).select_related("article").order_by("starts_at", "id")
    return {
        "title": _("Breaking news"),
        "template": "articles/admin/_dashboard_breaking.html",
        "lines": list(current[:PANEL_LENGTH]),
        "can_add": request.user.has_perm("articles.add_breakingnews"),
        "add_url": reverse("admin:articles_breakingnews_add"),
        "list_url": reverse("admin:articles_breakingnews_changelist"),
    }
