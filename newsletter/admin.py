"""The newsletter in the admin: subscribers (counts, CSV export and import, bounces and
complaints), mailings (compose, preview, test, send, progress, what came back) and the
delivery and bounce report logs."""

import csv

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .digests import digest_period
from .forms import SubscriberImportForm
from .imports import import_subscribers
from .models import BounceReport, Delivery, Mailing, Subscriber
from .rendering import render_mailing
from .sending import send_test
from .tasks import send_queued_mailings

# A cell starting with one of these is a formula to a spreadsheet: neutralise it (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value):
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_START) else text


class _Echo:
    def write(self, value):
        return value


class BounceReportInline(admin.TabularInline):
    """The reports about this subscriber, newest first: read-only, as the mail systems sent them."""

    model = BounceReport
    fields = ["read_at", "kind", "status", "reason", "mailing"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    verbose_name_plural = _("bounces and complaints")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("delivery__mailing")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("mailing"))
    def mailing(self, obj):
        return obj.delivery.mailing if obj.delivery else "-"


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "language", "status", "signed_up_at", "confirmed_at"]
    list_filter = ["status", "language", "signed_up_at", "confirmed_at"]
    search_fields = ["email"]
    date_hierarchy = "signed_up_at"
    actions = ["export_csv", "unsubscribe_selected"]
    readonly_fields = [
        "email",
        "status",
        "signed_up_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
        "bounced_at",
        "complained_at",
        "bounce_reason",
        "soft_bounce_count",
        "soft_bounced_at",
        "last_digest_at",
        "consent_text",
        "consent_at",
        "consent_network",
    ]
    fields = ["email", "language", *readonly_fields[1:]]
    inlines = [BounceReportInline]
    change_list_template = "admin/newsletter/subscriber/change_list.html"

    def has_add_permission(self, request):
        # Nobody is added by hand: a person signs up (double opt-in) or is imported with a consent record.
        return False

    def has_export_permission(self, request):
        return request.user.has_perm("newsletter.export_subscribers")

    def has_import_permission(self, request):
        return request.user.has_perm("newsletter.import_subscribers")

    def get_urls(self):
        return [
            path(
                "import/", self.admin_site.admin_view(self.import_view), name="newsletter_subscriber_import"
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        counts = dict(Subscriber.objects.values_list("status").annotate(n=Count("id")).order_by())
        extra_context = {
            **(extra_context or {}),
            "status_counts": [(label, counts.get(value, 0)) for value, label in Subscriber.Status.choices],
            "can_import": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Export the selected subscribers as CSV"), permissions=["export"])
    def export_csv(self, request, queryset):
        writer = csv.writer(_Echo())
        header = ["email", "language", "status", "signed_up_at", "confirmed_at", "consent_at", "consent_text"]

        def rows():
            yield writer.writerow(header)
            # Streamed row by row: a list of any size leaves memory flat.
            for subscriber in queryset.order_by("pk").iterator(2000):
                yield writer.writerow([_csv_cell(getattr(subscriber, field)) for field in header])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y-%m-%d")
        response["Content-Disposition"] = f'attachment; filename="subscribers-{stamp}.csv"'
        return response

    @admin.action(description=_("Unsubscribe the selected subscribers"), permissions=["change"])
    def unsubscribe_selected(self, request, queryset):
        count = queryset.exclude(status=Subscriber.Status.UNSUBSCRIBED).update(
            status=Subscriber.Status.UNSUBSCRIBED, unsubscribed_at=timezone.now()
        )
        self.message_user(request, gettext("%(count)s subscribers unsubscribed.") % {"count": count})

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        report = None
        form = SubscriberImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            consent = gettext("%(text)s (imported by %(user)s on %(date)s)") % {
                "text": form.cleaned_data["consent_text"],
                "user": request.user.get_username(),
                "date": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            }
            report = import_subscribers(form.cleaned_data["csv_file"], consent)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Import subscribers who already consented"),
            "form": form,
            "report": report,
            "shown_refusals": report.refused[:500] if report else [],
        }
        return TemplateResponse(request, "admin/newsletter/subscriber/import.html", context)


@admin.register(Mailing)
class MailingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "language", "status", "created_at", "progress", "reports"]
    list_filter = ["kind", "status", "language"]
    search_fields = ["subject", "intro"]
    autocomplete_fields = ["articles"]
    fields = ["subject", "language", "intro", "articles", "progress", "reports", "errors"]
    change_form_template = "admin/newsletter/mailing/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).with_progress().with_reports()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return ["kind", "subject", "language", "intro", "articles", "progress", "reports", "errors"]
        return ["progress", "reports", "errors"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["subject", "language", "intro", "articles"]
        if obj.kind == Mailing.Kind.DIGEST:
            return ["kind", "progress", "reports", "errors"]
        return self.fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.display(description=_("progress"))
    def progress(self, obj):
        if not hasattr(obj, "pending_count"):
            obj = Mailing.objects.with_progress().get(pk=obj.pk)
        url = reverse("admin:newsletter_delivery_changelist") + f"?mailing__id__exact={obj.pk}"
        return format_html(
            '<a href="{}">{}</a>',
            url,
            gettext(
                "%(pending)s pending, %(sent)s sent, %(uncertain)s uncertain, %(failed)s failed, "
                "%(skipped)s skipped"
            )
            % {
                "pending": obj.pending_count,
                "sent": obj.sent_count,
                "uncertain": obj.uncertain_count,
                "failed": obj.failed_count,
                "skipped": obj.skipped_count,
            },
        )

    @admin.display(description=_("bounces and complaints"))
    def reports(self, obj):
        """How many of this mailing's e-mails were reported back as bounced or complained about."""
        if not hasattr(obj, "hard_report_count"):
            obj = Mailing.objects.with_reports().get(pk=obj.pk)
        url = reverse("admin:newsletter_bouncereport_changelist") + f"?delivery__mailing__id__exact={obj.pk}"
        return format_html(
            '<a href="{}">{}</a>',
            url,
            gettext("hard bounces: %(hard)s, soft bounces: %(soft)s, complaints: %(complaint)s")
            % {
                "hard": obj.hard_report_count,
                "soft": obj.soft_report_count,
                "complaint": obj.complaint_report_count,
            },
        )

    @admin.display(description=_("errors"))
    def errors(self, obj):
        failed = obj.deliveries.exclude(last_error="").select_related("subscriber").order_by("-id")[:20]
        if not failed:
            return "-"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{} ({}): {}</li>",
                ((d.subscriber.email, d.get_status_display(), d.last_error) for d in failed),
            ),
        )

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path("<int:pk>/preview/", wrap(self.preview_view), name="newsletter_mailing_preview"),
            path("<int:pk>/send-test/", wrap(self.send_test_view), name="newsletter_mailing_send_test"),
            path("<int:pk>/send/", wrap(self.send_view), name="newsletter_mailing_send"),
            *super().get_urls(),
        ]

    def _mailing(self, request, pk, permission):
        mailing = get_object_or_404(Mailing, pk=pk)
        if not permission(request, mailing):
            raise PermissionDenied
        return mailing

    def preview_view(self, request, pk):
        """The e-mail as a reader of the mailing's language will see it, in the browser."""
        mailing = self._mailing(request, pk, self.has_view_permission)
        since = None
        if mailing.kind == Mailing.Kind.DIGEST:
            since = mailing.covers_until - digest_period()
        body = render_mailing(mailing, mailing.language, since, unsubscribe_url="#")
        if body is None:
            return HttpResponse(gettext("This digest has no articles to show."), content_type="text/plain")
        response = HttpResponse(body.html)
        # The preview is the e-mail's own HTML: it may not run scripts or load other pages' frames.
        response["Content-Security-Policy"] = "default-src 'none'; img-src * data:; style-src 'unsafe-inline'"
        return response

    def send_test_view(self, request, pk):
        if request.method != "POST":
            return redirect("admin:newsletter_mailing_change", pk)
        mailing = self._mailing(request, pk, self.has_change_permission)
        if not request.user.email:
            messages.error(request, gettext("Your account has no e-mail address: add one to receive tests."))
        else:
            try:
                sent = send_test(mailing, request.user.email)
            except Exception as error:  # shown to the editor; the mailing itself is untouched
                messages.error(request, gettext("The test could not be sent: %(error)s") % {"error": error})
            else:
                if sent:
                    messages.success(
                        request, gettext("A test was sent to %(email)s.") % {"email": request.user.email}
                    )
                else:
                    messages.warning(request, gettext("This digest has no articles to show."))
        return redirect("admin:newsletter_mailing_change", pk)

    def has_send_permission(self, request, mailing=None):
        return request.user.has_perm("newsletter.send_mailing")

    def send_view(self, request, pk):
        mailing = self._mailing(request, pk, self.has_send_permission)
        if not mailing.is_editable:
            messages.warning(request, gettext("This mailing has already been sent or is being sent."))
            return redirect("admin:newsletter_mailing_change", pk)
        problems = []
        if not mailing.subject.strip():
            problems.append(gettext("Give the newsletter a subject."))
        if not mailing.intro.strip() and not mailing.articles.exists():
            problems.append(gettext("Write an introduction or choose at least one article."))
        if request.method == "POST" and not problems:
            if mailing.queue():
                transaction.on_commit(send_queued_mailings.enqueue)
            messages.success(
                request, gettext("The newsletter is queued; it goes out with the next run of the sender.")
            )
            return redirect("admin:newsletter_mailing_change", pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Send “%(mailing)s”") % {"mailing": mailing},
            "mailing": mailing,
            "recipient_count": mailing.recipients().count(),
            "problems": problems,
        }
        return TemplateResponse(request, "admin/newsletter/mailing/send.html", context)


class ReadOnlyLogAdmin(admin.ModelAdmin):
    """A log the sender writes: staff read it, nobody adds, edits or deletes a line."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyLogAdmin):
    """A read-only log: what went to whom, what failed and why."""

    list_display = ["subscriber", "mailing", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["status", "mailing"]
    search_fields = ["subscriber__email"]
    list_select_related = ["subscriber", "mailing"]
    show_full_result_count = False


@admin.register(BounceReport)
class BounceReportAdmin(ReadOnlyLogAdmin):
    """A read-only log of what mail systems reported after accepting our e-mails."""

    list_display = ["read_at", "subscriber", "kind", "status", "reason", "mailing"]
    list_filter = ["kind", "read_at", "delivery__mailing"]
    search_fields = ["subscriber__email", "report_id"]
    list_select_related = ["subscriber", "delivery__mailing"]
    date_hierarchy = "read_at"
    show_full_result_count = False

    @admin.display(description=_("mailing"), ordering="delivery__mailing")
    def mailing(self, obj):
        return obj.delivery.mailing if obj.delivery else "-"
