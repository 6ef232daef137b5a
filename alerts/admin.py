"""Admin for push alerts: the alerts with their counts, the subscriptions (counted, nothing
personal shown), and the "send a push alert" actions added to the article list and the
breaking-news list.

``articles`` knows nothing of alerts: this module adds its actions to the article and breaking
news admins that ``articles`` registered (its app comes first in INSTALLED_APPS, so they are
registered by the time admin autodiscovery imports this module).
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from articles.models import Article, BreakingNews

from . import push
from .models import Alert, Delivery, Subscription
from .sending import NotAlertable, queue_alert

SEND_PERMISSION = "alerts.send_alert"


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["article", "created_at", "created_by", "status", "sent", "pending", "failed", "gone"]
    list_filter = ["status"]
    list_select_related = ["article", "created_by"]
    fields = ["article", "created_at", "created_by", "status", "finished_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_counts()

    @admin.display(description=_("sent"), ordering="sent_count")
    def sent(self, alert):
        return alert.sent_count

    @admin.display(description=_("pending"))
    def pending(self, alert):
        return alert.pending_count + alert.uncertain_count

    @admin.display(description=_("failed"), ordering="failed_count")
    def failed(self, alert):
        return alert.failed_count

    @admin.display(description=_("gone"), ordering="gone_count")
    def gone(self, alert):
        return alert.gone_count


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    # The endpoint is the capability to push to a browser, and the keys its secrets: never shown.
    list_display = ["push_service_name", "language", "created_at"]
    list_filter = ["language"]
    fields = ["push_service_name", "language", "created_at"]
    readonly_fields = fields
    show_facets = admin.ShowFacets.ALWAYS

    @admin.display(description=_("push service"))
    def push_service_name(self, subscription):
        return subscription.push_service


def _send_alerts(modeladmin, request, articles):
    if not request.user.has_perm(SEND_PERMISSION):  # the action list hides it too
        modeladmin.message_user(request, _("You may not send push alerts."), messages.ERROR)
        return
    if not push.enabled():
        modeladmin.message_user(
            request, _("Push alerts are off: the site has no VAPID key (see the README)."), messages.ERROR
        )
        return
    queued = 0
    for article in articles:
        try:
            queue_alert(article, request.user)
        except NotAlertable:
            modeladmin.message_user(
                request,
                _("“%(title)s” is not published: no alert was sent for it.") % {"title": article.title},
                messages.WARNING,
            )
            continue
        queued += 1
    if queued:
        modeladmin.message_user(
            request,
            _("Push alerts queued: %(count)s. The worker sends them now.") % {"count": queued},
            messages.SUCCESS,
        )


@admin.action(description=_("Send a push alert for the selected articles"), permissions=["send_alert"])
def send_push_alert(modeladmin, request, queryset):
    _send_alerts(modeladmin, request, list(queryset))


@admin.action(
    description=_("Send a push alert for the articles of the selected lines"), permissions=["send_alert"]
)
def send_push_alert_for_breaking_news(modeladmin, request, queryset):
    lines = list(queryset.select_related("article"))
    if any(line.article_id is None for line in lines):
        modeladmin.message_user(
            request, _("Only lines about an article can be pushed: the others were left."), messages.WARNING
        )
    articles = {line.article_id: line.article for line in lines if line.article_id}
    _send_alerts(modeladmin, request, list(articles.values()))


def _has_send_alert_permission(request):
    return push.enabled() and request.user.has_perm(SEND_PERMISSION)


for model, action in ((Article, send_push_alert), (BreakingNews, send_push_alert_for_breaking_news)):
    model_admin = admin.site.get_model_admin(model)
    model_admin.actions = [*(model_admin.actions or []), action]
    # Read by the admin's action filter for permissions=["send_alert"].
    model_admin.has_send_alert_permission = _has_send_alert_permission

__all__ = ["AlertAdmin", "Delivery", "SubscriptionAdmin"]
