"""Admin for breaking news, and the "make it breaking" action of the article list.

Kept out of articles/admin.py (which owns the article and category screens) so the two grow
independently; admin.py imports this module so that Django's admin autodiscovery finds it.
"""

from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from kawalis.readercache import invalidate

from .models import BREAKING_TAG, BreakingNews


@admin.register(BreakingNews)
class BreakingNewsAdmin(TranslationAdmin):
    list_display = ["__str__", "article", "starts_at", "expires_at", "shown_now"]
    list_select_related = ["article"]
    list_filter = ["expires_at"]
    search_fields = ["text_ar", "text_fr", "text_en", "article__title_ar"]
    autocomplete_fields = ["article"]
    fields = ["text", "article", "link", "starts_at", "expires_at"]
    actions = ["end_now"]

    @admin.display(boolean=True, description=_("shown now"))
    def shown_now(self, item):
        return item.is_active

    def get_changeform_initial_data(self, request):
        # A breaking line usually lasts an hour; the editor can change it.
        initial = {"expires_at": timezone.now() + timedelta(hours=1)}
        initial.update(super().get_changeform_initial_data(request))
        return initial

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("End the selected breaking news now"), permissions=["change"])
    def end_now(self, request, queryset):
        now = timezone.now()
        ended = queryset.filter(expires_at__gt=now).update(expires_at=now)
        invalidate(BREAKING_TAG)
        self.message_user(request, _("Breaking news ended: %(count)s.") % {"count": ended}, messages.SUCCESS)


class BreakingNewsArticleActionMixin:
    """Adds "mark as breaking news for one hour" to the article list's actions."""

    @admin.action(description=_("Mark as breaking news for one hour"), permissions=["mark_breaking"])
    def mark_as_breaking_news(self, request, queryset):
        now = timezone.now()
        marked = 0
        for article in queryset:
            if not article.is_published:
                self.message_user(
                    request,
                    _("“%(title)s” is not published: readers could not open it, so it was not marked.")
                    % {"title": article.title},
                    messages.WARNING,
                )
                continue
            BreakingNews.objects.create(
                article=article, starts_at=now, expires_at=now + timedelta(hours=1), created_by=request.user
            )
            marked += 1
        if marked:
            self.message_user(
                request,
                _("Marked as breaking news for one hour: %(count)s.") % {"count": marked},
                messages.SUCCESS,
            )

    def has_mark_breaking_permission(self, request):
        return request.user.has_perm("articles.add_breakingnews")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_mark_breaking_permission(request):
            action = self.get_action("mark_as_breaking_news")
            actions[action[1]] = action
        return actions
