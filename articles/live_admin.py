"""Posting live entries from the admin, fast from a phone: one text box (the Arabic; French and
English ones below it for a desk that translates), an image, a key-point tick. Corrections and
deletions keep the entry's history (django-reversion, as article revisions: who, when, the
previous text); a deleted entry leaves the coverage but not the database. The admin checks the
add, change and delete permissions of live entries itself."""

import reversion
from django import forms
from django.contrib import admin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from reversion.admin import VersionAdmin

from .forms import ArticleImageField
from .models import TRANSLATION_LANGUAGES, Article, LiveEntry


class LiveEntryForm(forms.ModelForm):
    class Meta:
        model = LiveEntry
        fields = ["article", "text", "image", "image_alt", "is_key_point", "posted_at"]
        widgets = {
            **{
                f"text_{code}": forms.Textarea(attrs={"rows": 5, "dir": "auto"})
                for code in TRANSLATION_LANGUAGES
            },
            "text_ar": forms.Textarea(attrs={"rows": 5, "dir": "rtl"}),
        }
        field_classes = {"image": ArticleImageField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["article"].queryset = Article.objects.filter(coverage_start__isnull=False)


@admin.register(LiveEntry)
class LiveEntryAdmin(VersionAdmin, TranslationAdmin):
    form = LiveEntryForm
    list_display = ["__str__", "article", "posted_at", "is_key_point", "deleted_at"]
    list_filter = ["is_key_point", "article"]
    list_select_related = ["article"]
    fields = ["article", "text", "image", "image_alt", "is_key_point", "posted_at"]

    class Media:
        css = {"all": ["articles/admin.css"]}

    def save_model(self, request, obj, form, change):
        if not change:
            obj.posted_by = request.user
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        # Taken off the coverage; its row and revisions stay (readers' pages get a tombstone),
        # and the deletion is one more revision: who deleted it, when.
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment(gettext("Deleted from the coverage."))
            obj.mark_deleted()

    def delete_queryset(self, request, queryset):
        for entry in queryset:
            self.delete_model(request, entry)


def post_entry_link(article):
    """The admin address to post a live entry to ``article``."""
    from django.urls import reverse

    return f"{reverse('admin:articles_liveentry_add')}?article={article.pk}"


LIVE_FIELDSET = (
    _("Live coverage"),
    {
        "fields": ["coverage_start", "coverage_end"],
        "classes": ["collapse"],
        "description": _("A live coverage shows short entries, newest first, updated by themselves."),
    },
)
