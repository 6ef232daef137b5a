"""Editors' admin for categories, tags and articles (translation tabs from modeltranslation)."""

import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Max, Q
from django.forms.models import BaseInlineFormSet
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin

from . import images
from .breaking_admin import BreakingNewsArticleActionMixin
from .forms import ArticleForm, ArticleImageField
from .models import TRANSLATION_LANGUAGES, Article, Author, Category, Redirect, RelatedArticle, Tag
from .popularity_admin import ViewCountsAdminMixin
from .revisions_admin import ArticleRevisionsAdminMixin


@admin.register(Category)
class CategoryAdmin(TabbedTranslationAdmin):
    list_display = ["name", "slug", "parent", "menu_order"]
    list_editable = ["menu_order"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    list_select_related = ["parent"]
    prepopulated_fields = {"slug": ("name_ar",)}
    search_fields = ["name_ar", "name_fr", "name_en", "slug"]


class StatusFilter(admin.SimpleListFilter):
    """Draft / published / scheduled: "scheduled" is published with a time still to come."""

    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Draft")),
            ("published", _("Published")),
            ("scheduled", _("Scheduled")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "draft":
            return queryset.filter(status=Article.Status.DRAFT)
        if self.value() == "published":
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__lte=now)
        if self.value() == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
        return queryset


def _missing(language):
    """Articles whose ``language`` translation lacks a title or a body."""
    condition = Q()
    for field in ("title", "body"):
        condition |= Q(**{f"{field}_{language}__isnull": True}) | Q(**{f"{field}_{language}": ""})
    return condition


class TranslationFilter(admin.SimpleListFilter):
    title = _("translations")
    parameter_name = "translation"

    def lookups(self, request, model_admin):
        names = dict(settings.LANGUAGES)
        choices = [
            (f"missing-{code}", _("Missing %(language)s") % {"language": names[code]})
            for code in TRANSLATION_LANGUAGES
        ]
        return [*choices, ("complete", _("All languages"))]

    def queryset(self, request, queryset):
        value = self.value() or ""
        if value.startswith("missing-") and value.removeprefix("missing-") in TRANSLATION_LANGUAGES:
            return queryset.filter(_missing(value.removeprefix("missing-")))
        if value == "complete":
            for code in TRANSLATION_LANGUAGES:
                queryset = queryset.exclude(_missing(code))
            return queryset
        return queryset


class AuthorAdminForm(forms.ModelForm):
    class Meta:
        model = Author
        fields = ["name", "slug", "bio", "photo", "user"]
        # Checked and re-encoded without metadata, as an article's image is.
        field_classes = {"photo": ArticleImageField}


@admin.register(Author)
class AuthorAdmin(TabbedTranslationAdmin):
    form = AuthorAdminForm
    list_display = ["name", "slug", "user", "article_count"]
    search_fields = ["name_ar", "name_fr", "name_en", "slug"]
    prepopulated_fields = {"slug": ("name_ar",)}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user").annotate(article_total=Count("articles"))

    @admin.display(description=_("articles"), ordering="article_total")
    def article_count(self, author):
        return author.article_total


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "new_path", "note", "created_at"]
    search_fields = ["old_path", "new_path", "note"]
    list_per_page = 100


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


class ArticleAdminForm(ArticleForm):
    # Tags go through ArticleTag (it keeps a copy of the publication time for "see also"),
    # which the admin does not edit by itself: this field lists them, save_related() stores them.
    tag_list = forms.ModelMultipleChoiceField(
        label=_("tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Article._meta.get_field("tags"), admin.site),
        help_text=_("Type to find a tag; new tags are added under Tags."),
    )

    # The admin builds the form's Meta (fields from the fieldsets) on top of ArticleForm's, which
    # brings the body editor widget and the checked image field.

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag_list"].initial = list(self.instance.tags.all())


@admin.register(Article)
class ArticleAdmin(
    ArticleRevisionsAdminMixin, ViewCountsAdminMixin, BreakingNewsArticleActionMixin, TabbedTranslationAdmin
):
    form = ArticleAdminForm
    list_display = [
        "thumbnail",
        "title",
        "category",
        "state",
        "published_at",
        "languages_present",
        "is_featured",
        "reader_link",
    ]
    list_display_links = ["thumbnail", "title"]
    list_filter = [StatusFilter, "category", TranslationFilter, "is_featured", "published_at"]
    search_fields = [
        "title_ar",
        "title_fr",
        "title_en",
        "lead_ar",
        "lead_fr",
        "lead_en",
        "byline_ar",
        "byline_fr",
        "byline_en",
    ]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("title_ar",)}
    list_select_related = ["category"]
    list_per_page = 50
    actions = ["publish", "unpublish"]
    inlines = [RelatedArticleInline]
    autocomplete_fields = ["authors"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "lead", "body", "category", "tag_list", "authors", "byline"]}),
        (
            _("Image"),
            {
                "fields": ["image", "image_alt", "image_caption", "image_credit"],
                "description": _(
                    "JPEG, PNG or WebP. The photo is turned upright and its hidden data (camera, "
                    "GPS position) removed; readers get sizes that fit their screens."
                ),
            },
        ),
        (_("Publishing"), {"fields": ["status", "published_at", "is_featured", "comments_open"]}),
        (
            _("Search engines and shares"),
            {"fields": ["seo_title", "seo_description"], "classes": ["collapse"]},
        ),
    ]

    class Media:
        css = {"all": ["articles/admin.css"]}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        match = request.resolver_match
        if not match or match.url_name != "articles_article_changelist":
            return queryset
        # The list shows no bodies: it asks the database whether each translation is complete
        # instead of fetching three bodies (and their search documents) per row.
        complete = {
            f"complete_{code}": ExpressionWrapper(~_missing(code), output_field=BooleanField())
            for code in TRANSLATION_LANGUAGES
        }
        languages = ("ar", *TRANSLATION_LANGUAGES)
        heavy = [f"{field}_{code}" for field in ("body", "search") for code in languages]
        return queryset.defer(*heavy).annotate(**complete)

    @admin.display(description=_("image"))
    def thumbnail(self, article):
        picture = images.picture(article)
        if not picture:
            return "—"
        return format_html(
            '<img class="article-thumbnail" src="{}" alt="" width="80" height="{}" loading="lazy">',
            picture["src"],
            round(80 * picture["height"] / picture["width"]) if picture["width"] else 45,
        )

    @admin.display(description=_("status"), ordering="status")
    def state(self, article):
        if article.is_scheduled:
            return gettext("Scheduled")
        return article.get_status_display()

    @admin.display(description=_("languages"))
    def languages_present(self, article):
        """AR, then FR/EN where translated; a translation with a title but no body is marked."""
        tags = [format_html('<span class="language-tag" lang="{}">{}</span>', "ar", "AR")]
        for code in TRANSLATION_LANGUAGES:
            if not article.has_language(code):
                continue
            if getattr(article, f"complete_{code}", True):
                tags.append(format_html('<span class="language-tag" lang="{}">{}</span>', code, code.upper()))
            else:
                tags.append(
                    format_html(
                        '<span class="language-tag language-tag--partial" title="{}">{}</span>',
                        gettext("Title only: the body is not translated yet"),
                        code.upper(),
                    )
                )
        return format_html_join(" ", "{}", ((tag,) for tag in tags))

    @admin.display(description=_("on the site"))
    def reader_link(self, article):
        label = gettext("View") if article.is_published else gettext("Preview")
        url = article.get_absolute_url()
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, label)

    @admin.action(description=_("Publish the selected articles"), permissions=["change"])
    def publish(self, request, queryset):
        self._require_change_permission(request)
        now = timezone.now()
        drafts = list(Article.objects.filter(pk__in=queryset.values("pk"), status=Article.Status.DRAFT))
        scheduled_pks = []
        changed_pks = []
        with transaction.atomic():
            for article in drafts:
                # A draft's time is usually when it was started: publishing puts it at the top,
                # now. A time in the future was set on purpose: it stays scheduled for it.
                if article.published_at > now:
                    scheduled_pks.append(article.pk)
                else:
                    article.published_at = now
                article.status = Article.Status.PUBLISHED
                # One save per article keeps everything the model maintains on save in step.
                article.save()
                changed_pks.append(article.pk)
        self._log(request, changed_pks, ["status", "published_at"])
        published = len(changed_pks) - len(scheduled_pks)
        self.message_user(
            request,
            gettext("Published now: %(published)d. Scheduled for their publication time: %(scheduled)d.")
            % {"published": published, "scheduled": len(scheduled_pks)},
            messages.SUCCESS if changed_pks else messages.INFO,
        )

    @admin.action(description=_("Unpublish the selected articles (back to draft)"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._require_change_permission(request)
        published = Article.objects.filter(pk__in=queryset.values("pk"), status=Article.Status.PUBLISHED)
        changed_pks = []
        with transaction.atomic():
            for article in published:
                article.status = Article.Status.DRAFT
                article.save()
                changed_pks.append(article.pk)
        self._log(request, changed_pks, ["status"])
        self.message_user(
            request,
            gettext("Articles back to draft: %(count)d.") % {"count": len(changed_pks)},
            messages.SUCCESS if changed_pks else messages.INFO,
        )

    def _require_change_permission(self, request):
        # The admin hides actions the user may not run; a forged POST still stops here.
        if not self.has_change_permission(request):
            raise PermissionDenied

    def _log(self, request, pks, field_names):
        """History entries in Django's own format, shown in each reader's language."""
        if not pks:
            return
        with translation.override(None):  # the admin translates the field names when it shows them
            labels = [str(Article._meta.get_field(name).verbose_name) for name in field_names]
        message = json.dumps([{"changed": {"fields": labels}}])
        LogEntry.objects.log_actions(
            request.user.pk, Article.objects.filter(pk__in=pks), CHANGE, change_message=message
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        article = form.instance
        article.tags.set(
            form.cleaned_data.get("tag_list") or [],
            through_defaults={"article_published_at": article.published_at},
        )

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
