"""What the server fetched for each embed (articles/embed_fetch.py), read-only in the admin, with
"fetch again" for an embed whose title or thumbnail changed or whose tries ran out. The action
is refused to staff without the change permission of embeds, checked again on the request."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Embed


@admin.register(Embed)
class EmbedAdmin(admin.ModelAdmin):
    list_display = ["provider", "provider_id", "title", "fetched_at", "fetch_error", "attempts"]
    list_filter = ["provider"]
    search_fields = ["provider_id", "title"]
    readonly_fields = [
        "provider",
        "provider_id",
        "title",
        "thumbnail",
        "fetched_at",
        "fetch_error",
        "attempts",
    ]
    fields = readonly_fields
    actions = ["fetch_again"]

    def has_add_permission(self, request):
        return False  # rows are made by the worker, from the embeds of saved articles

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        raise PermissionDenied  # read-only: nothing to save from a form

    @admin.action(description=_("Fetch title and thumbnail again"), permissions=["change"])
    def fetch_again(self, request, queryset):
        if not self.has_change_permission(request):
            raise PermissionDenied
        from .tasks import fetch_embeds

        keys = [list(key) for key in queryset.values_list("provider", "provider_id")]
        with transaction.atomic():
            Embed.objects.filter(pk__in=queryset.values("pk")).update(attempts=0, fetch_error="")
            transaction.on_commit(lambda: fetch_embeds.enqueue(keys, None, False, True))
        self.message_user(
            request,
            ngettext(
                "%(count)d embed will be fetched again by the worker.",
                "%(count)d embeds will be fetched again by the worker.",
                len(keys),
            )
            % {"count": len(keys)},
            messages.SUCCESS,
        )
