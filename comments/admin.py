"""Moderation in the admin: the queue (pending first, then reported), bulk decisions, privacy tools."""

import json
import operator
from functools import reduce

from django.contrib import admin, messages
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Case, IntegerField, Q, Value, When
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kawalis.readercache import invalidate

from .models import BLOCKED_WORDS_CACHE_KEY, BlockedWord, Comment, comments_tag


class ReportedFilter(admin.SimpleListFilter):
    title = _("reported by readers")
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("yes", _("Reported")), ("no", _("Not reported"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.reported()
        if self.value() == "no":
            return queryset.filter(report_count=0)
        return queryset


def export_rows(comments):
    """Everything stored about these comments, as plain data for a JSON download."""
    return [
        {
            "id": comment.pk,
            "article": comment.article.title,
            "article_url": comment.article.get_absolute_url(),
            "in_reply_to": comment.parent_id,
            "name": comment.name,
            "email": comment.email,
            "comment": comment.body,
            "status": comment.status,
            "language": comment.language,
            "notify_replies": comment.notify_replies,
            "network": comment.ip_network,
            "browser": comment.user_agent,
            "reports": comment.report_count,
            "posted": comment.created_at,
            "updated": comment.updated_at,
            "approved": comment.approved_at,
        }
        for comment in comments
    ]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["excerpt_column", "name", "article_column", "status", "report_count", "created_at"]
    list_display_links = ["excerpt_column"]
    list_filter = ["status", ReportedFilter, "language", "created_at"]
    search_fields = ["name", "email", "body", "article__title"]
    list_select_related = ["article"]
    list_per_page = 50
    date_hierarchy = "created_at"
    actions = ["approve", "reject", "mark_spam", "export_for_email", "erase_for_email"]
    fields = [
        "article_column",
        "parent",
        "name",
        "email",
        "body",
        "status",
        "notify_replies",
        "language",
        "created_at",
        "approved_at",
        "report_count",
        "spam_reason",
        "ip_network",
        "user_agent",
    ]
    readonly_fields = [
        "article_column",
        "parent",
        "email",
        "language",
        "created_at",
        "approved_at",
        "report_count",
        "spam_reason",
        "ip_network",
        "user_agent",
    ]

    def has_add_permission(self, request):
        return False  # comments come from readers

    def get_queryset(self, request):
        # The queue first: pending comments, then approved ones readers reported, then the rest.
        queue_order = Case(
            When(status=Comment.Status.PENDING, then=Value(0)),
            When(status=Comment.Status.APPROVED, report_count__gt=0, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
        queryset = self.model._default_manager.annotate(queue_order=queue_order)
        return queryset.order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ["queue_order", "-created_at", "-id"]

    @admin.display(description=_("comment"))
    def excerpt_column(self, comment):
        return comment.excerpt

    @admin.display(description=_("article"), ordering="article__published_at")
    def article_column(self, comment):
        return comment.article.title

    def changelist_view(self, request, extra_context=None):
        counts = Comment.objects.status_counts()
        extra_context = {
            **(extra_context or {}),
            "status_counts": [(value, label, counts[value]) for value, label in Comment.Status.choices],
            "reported_count": Comment.objects.approved().reported().count(),
        }
        return super().changelist_view(request, extra_context)

    def delete_queryset(self, request, queryset):
        articles = sorted(set(queryset.values_list("article_id", flat=True)))
        super().delete_queryset(request, queryset)
        invalidate(*(comments_tag(pk) for pk in articles))

    # --- moderation ---------------------------------------------------------------------

    def _moderate(self, request, queryset, status, message):
        changed = queryset.set_status(status)
        self.message_user(request, message % {"count": changed}, messages.SUCCESS)

    @admin.action(description=_("Approve the selected comments"), permissions=["change"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.APPROVED, _("Comments approved: %(count)d."))

    @admin.action(description=_("Reject the selected comments"), permissions=["change"])
    def reject(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.REJECTED, _("Comments rejected: %(count)d."))

    @admin.action(description=_("Mark the selected comments as spam"), permissions=["change"])
    def mark_spam(self, request, queryset):
        self._moderate(request, queryset, Comment.Status.SPAM, _("Comments marked as spam: %(count)d."))

    # --- privacy ------------------------------------------------------------------------

    @staticmethod
    def _emails(queryset):
        return sorted({email.lower() for email in queryset.values_list("email", flat=True)})

    @staticmethod
    def _everything_for(emails):
        # Addresses are compared without letter case: "Nadia@" and "nadia@" are one person.
        same_address = reduce(operator.or_, (Q(email__iexact=email) for email in emails), Q(pk__in=[]))
        return Comment.objects.filter(same_address).select_related("article").order_by("created_at")

    @admin.action(
        description=_("Export everything stored for the selected comments' e-mail addresses (JSON)"),
        permissions=["view"],
    )
    def export_for_email(self, request, queryset):
        emails = self._emails(queryset)
        data = {
            "emails": emails,
            "exported": timezone.now(),
            "comments": export_rows(self._everything_for(emails)),
        }
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="comments-export.json"'
        return response

    @admin.action(
        description=_("Erase everything stored for the selected comments' e-mail addresses"),
        permissions=["delete"],
    )
    def erase_for_email(self, request, queryset):
        emails = self._emails(queryset)
        everything = self._everything_for(emails)
        if request.POST.get("confirm") == "yes":
            # Replies to erased comments go with them (CASCADE): they answer words now gone.
            articles = sorted(set(everything.values_list("article_id", flat=True)))
            deleted, _per_model = everything.delete()
            invalidate(*(comments_tag(pk) for pk in articles))
            self.message_user(
                request,
                _("Comments erased for these addresses: %(count)d.") % {"count": deleted},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Erase everything stored for these e-mail addresses?"),
            "opts": self.model._meta,
            "emails": emails,
            "total": everything.count(),
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "action": "erase_for_email",
        }
        return TemplateResponse(request, "admin/comments/comment/erase_confirmation.html", context)


@admin.register(BlockedWord)
class BlockedWordAdmin(admin.ModelAdmin):
    list_display = ["word", "created_at"]
    search_fields = ["word"]

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        cache.delete(BLOCKED_WORDS_CACHE_KEY)
