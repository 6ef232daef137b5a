"""Editors' admin for categories, tags and articles (translation tabs from modeltranslation)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.db.models import Max
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from .breaking_admin import BreakingNewsArticleActionMixin
from .cache import invalidate_reader_pages
from .models import Article, Category, RelatedArticle, Tag
from .popularity_admin import ViewCountsAdminMixin


@admin.register(Category)
class CategoryAdmin(TabbedTranslationAdmin):
    list_display = ["name", "slug", "menu_order"]
    list_editable = ["menu_order"]
    prepopulated_fields = {"slug": ("name_ar",)}


@admin.register(Tag)
class TagAdmin(TabbedTranslationAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name_ar", "name_fr", "name_en", "slug"]
    prepopulated_fields = {"slug": ("name_ar",)}


class RelatedArticleForm(forms.ModelForm):
    link_back = forms.BooleanField(
        label=_("link back"),
        required=False,
        help_text=_("Also add this article to the other article's “see also” list."),
    )

    class Meta:
        model = RelatedArticle
        fields = ["related", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Left empty, a row keeps its place in the list (see RelatedArticleFormSet.clean).
        self.fields["position"].required = False


class RelatedArticleFormSet(BaseInlineFormSet):
    """Refuses, with a message on the row, the article itself, the same article twice, and
    more picks than the block shows (``SEE_ALSO_LIMIT``)."""

    def clean(self):
        if any(self.errors):
            return
        seen = set()
        kept = 0
        problems = False
        for index, form in enumerate(self.forms, start=1):
            related = form.cleaned_data.get("related")
            if not related or form.cleaned_data.get("DELETE"):
                continue
            kept += 1
            if form.cleaned_data.get("position") is None:
                form.instance.position = index
            if self.instance.pk and related.pk == self.instance.pk:
                form.add_error("related", gettext("An article cannot be related to itself."))
                problems = True
            elif related.pk in seen:
                form.add_error("related", gettext("This article is already in the list."))
                problems = True
            seen.add(related.pk)
        limit = settings.SEE_ALSO_LIMIT
        if kept > limit:
            raise forms.ValidationError(
                gettext("Pick at most %(limit)s related articles: the “see also” block shows no more.")
                % {"limit": limit}
            )
        if problems:
            raise forms.ValidationError(gettext("Please correct the related articles marked below."))
        super().clean()


class RelatedArticleInline(admin.TabularInline):
    model = RelatedArticle
    fk_name = "article"
    form = RelatedArticleForm
    formset = RelatedArticleFormSet
    autocomplete_fields = ["related"]
    fields = ["related", "position", "link_back"]
    extra = 1
    verbose_name = _("related article")
    verbose_name_plural = _("see also: related articles, in order (the rest is filled automatically)")

    def get_max_num(self, request, obj=None, **kwargs):
        return settings.SEE_ALSO_LIMIT


class ArticleAdminForm(forms.ModelForm):
    # Tags go through ArticleTag (it keeps a copy of the publication time for "see also"),
    # which the admin does not edit by itself: this field lists them, save_related() stores them.
    tag_list = forms.ModelMultipleChoiceField(
        label=_("tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Article._meta.get_field("tags"), admin.site),
        help_text=_("Type to find a tag; new tags are added under Tags."),
    )

    # No Meta: the admin builds the form's Meta (model, fields from the fieldsets) on top of this.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag_list"].initial = list(self.instance.tags.all())


@admin.register(Article)
class ArticleAdmin(ViewCountsAdminMixin, BreakingNewsArticleActionMixin, TabbedTranslationAdmin):
    form = ArticleAdminForm
    list_display = ["title", "category", "status", "published_at", "is_featured"]
    list_filter = ["status", "category", "is_featured", "published_at"]
    search_fields = ["title_ar", "title_fr", "title_en", "lead_ar", "lead_fr", "lead_en"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title_ar",)}
    list_select_related = ["category"]
    inlines = [RelatedArticleInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "lead", "body", "category", "tag_list", "byline"]}),
        (_("Image"), {"fields": ["image", "image_caption", "image_credit"]}),
        (_("Publishing"), {"fields": ["status", "published_at", "is_featured", "comments_open"]}),
        (
            _("Search engines and shares"),
            {"fields": ["seo_title", "seo_description"], "classes": ["collapse"]},
        ),
    ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        article.tags.set(
            form.cleaned_data.get("tag_list") or [],
            through_defaults={"article_published_at": article.published_at},
        )
        invalidate_reader_pages()  # tags and "see also" are saved after the article itself

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is not RelatedArticle:
            return
        for row in formset.forms:
            data = getattr(row, "cleaned_data", None) or {}
            if data.get("link_back") and data.get("related") and not data.get("DELETE"):
                self.link_back(request, form.instance, data["related"])

    def link_back(self, request, article, other):
        """Add ``article`` to ``other``'s picks, last, if the editor may and there is room."""
        if not self.has_change_permission(request, other):
            messages.warning(
                request,
                gettext("You may not change “%(other)s”: no link back was added.") % {"other": other},
            )
            return
        if other.related_links.filter(related=article).exists():
            return
        limit = settings.SEE_ALSO_LIMIT
        if other.related_links.count() >= limit:
            messages.warning(
                request,
                gettext("“%(other)s” already has %(limit)s related articles: no link back was added.")
                % {"other": other, "limit": limit},
            )
            return
        last = other.related_links.aggregate(last=Max("position"))["last"]
        RelatedArticle.objects.create(article=other, related=article, position=(last or 0) + 1)
