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

from . import embed_admin, images, workflow  # noqa: F401 (embed_admin registers the Embed admin)
from .breaking_admin import BreakingNewsArticleActionMixin
from .desk_admin import ArticleDeskAdminMixin, VersionCheckedForm
from .forms import ArticleForm, ArticleImageField
from .live_admin import LIVE_FIELDSET, post_entry_link
from .models import (
    TRANSLATION_LANGUAGES,
    Article,
    Author,
    Category,
    Redirect,
    RelatedArticle,
    Tag,
    published_rule,
)
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
    """Draft / in review / published / scheduled / expired: "scheduled" is published with a time
    still to come, "expired" published with an expiry time gone by (``published_rule``)."""

    title = _("status")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Draft")),
            ("review", _("In review")),
            ("published", _("Published")),
            ("scheduled", _("Scheduled")),
            ("expired", _("Expired")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "draft":
            return queryset.filter(status=Article.Status.DRAFT)
        if self.value() == "review":
            return queryset.filter(status=Article.Status.REVIEW)
        if self.value() == "published":
            return queryset.filter(published_rule(now=now))
        if self.value() == "scheduled":
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__gt=now)
        if self.value() == "expired":
            return queryset.filter(status=Article.Status.PUBLISHED, unpublish_at__lte=now)
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


class ArticleAdminForm(VersionCheckedForm, ArticleForm):
    # Tags go through ArticleTag (it keeps a copy of the publication time for "see also"),
    # which the admin does not edit by itself: this field lists them, save_related() stores them.
    tag_list = forms.ModelMultipleChoiceField(
        label=_("tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=AutocompleteSelectMultiple(Article._meta.get_field("tags"), admin.site),
        help_text=_("Type to find a tag; “+” creates a new one."),
    )

    note = forms.CharField(
        label=_("note on this change"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Kept in the article's history with this save. Required when returning an article "
            "from review to its writer: say what to change."
        ),
    )

    # The admin builds the form's Meta (fields from the fieldsets) on top of ArticleForm's, which
    # brings the body editor widget and the checked image field.

    # Who is filling the form in: set on the class ArticleAdmin.get_form() makes per request.
    user = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["tag_list"].initial = list(self.instance.tags.all())
        self.status_before = self.instance.status if self.instance.pk else None
        status = self.fields.get("status")
        if status is not None:
            # A writer is offered draft and review only; anything else posted is refused by the
            # field itself ("Select a valid choice"), before any save.
            allowed = set(workflow.statuses_for(self.user))
            status.choices = [(value, label) for value, label in status.choices if value in allowed]

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        if status == Article.Status.PUBLISHED and not workflow.can_publish(self.user):
            self.add_error("status", gettext("Only an editor can publish: submit the article for review."))
        if workflow.is_return(self.status_before, status) and not (cleaned.get("note") or "").strip():
            self.add_error(
                "note", gettext("Say what to change: the writer reads this note when the article comes back.")
            )
        return cleaned


@admin.register(Article)
class ArticleAdmin(
    ArticleDeskAdminMixin,
    ArticleRevisionsAdminMixin,
    ViewCountsAdminMixin,
    BreakingNewsArticleActionMixin,
    TabbedTranslationAdmin,
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
    actions = ["submit_for_review", "publish", "unpublish"]
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
        (
            _("Publishing"),
            {"fields": ["status", "published_at", "unpublish_at", "is_featured", "comments_open"]},
        ),
        LIVE_FIELDSET,
        (
            _("Search engines and shares"),
            {"fields": ["seo_title", "seo_description"], "classes": ["collapse"]},
        ),
    ]

    class Media:
        css = {"all": ["articles/admin.css"]}
        js = ["articles/desk.js"]

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
        if article.is_expired:
            return gettext("Expired")
        if article.status == Article.Status.DRAFT and article.review_note:
            return gettext("Returned with a note")
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
        link = format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', url, label)
        if article.is_live:
            link = format_html(
                '{} · <a class="live-post-link" href="{}">{}</a>',
                link,
                post_entry_link(article),
                gettext("Post a live entry"),
            )
        return link

    @admin.action(description=_("Publish the selected articles"), permissions=["publish"])
    def publish(self, request, queryset):
        self._require_publish_permission(request)
        now = timezone.now()
        scheduled_pks = []
        changed_pks = []
        with transaction.atomic():
            # Locked, then read: an editor's save of one of them waits, and is then refused as
            # made from an older version (its form's stamp), never undone by this one unseen.
            drafts = Article.objects.select_for_update().filter(
                pk__in=queryset.values("pk"), status__in=[Article.Status.DRAFT, Article.Status.REVIEW]
            )
            for article in drafts:
                # A draft's time is usually when it was started: publishing puts it at the top,
                # now. A time in the future was set on purpose: it stays scheduled for it.
                if article.published_at > now:
                    scheduled_pks.append(article.pk)
                else:
                    article.published_at = now
                article.status = Article.Status.PUBLISHED
                article.review_note = ""
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

    @admin.action(description=_("Unpublish the selected articles (back to draft)"), permissions=["publish"])
    def unpublish(self, request, queryset):
        self._require_publish_permission(request)
        changed_pks = []
        with transaction.atomic():
            published = Article.objects.select_for_update().filter(
                pk__in=queryset.values("pk"), status=Article.Status.PUBLISHED
            )
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

    @admin.action(description=_("Submit the selected drafts for review"), permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._require_change_permission(request)
        changed_pks = []
        with transaction.atomic():
            drafts = Article.objects.select_for_update().filter(
                pk__in=queryset.values("pk"), status=Article.Status.DRAFT
            )
            for article in drafts:
                article.status = Article.Status.REVIEW
                article.save()  # the save tells the editors (workflow.tell_editors_after_commit)
                changed_pks.append(article.pk)
        self._log(request, changed_pks, ["status"])
        self.message_user(
            request,
            gettext("Submitted for review: %(count)d.") % {"count": len(changed_pks)},
            messages.SUCCESS if changed_pks else messages.INFO,
        )

    def _require_change_permission(self, request):
        # The admin hides actions the user may not run; a forged POST still stops here.
        if not self.has_change_permission(request):
            raise PermissionDenied

    def _require_publish_permission(self, request):
        if not self.has_publish_permission(request):
            raise PermissionDenied

    # --- The review workflow (articles/workflow.py) --------------------------------------------

    def has_publish_permission(self, request):
        """Publishing, scheduling, unpublishing, expiry: the Editor group's, never a Reporter's."""
        return self.has_change_permission(request) and workflow.can_publish(request.user)

    def has_change_permission(self, request, obj=None):
        # A writer may view a published or scheduled story, not change it (readers would see it).
        return super().has_change_permission(request, obj) and workflow.may_change(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and workflow.may_change(request.user, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = [*super().get_readonly_fields(request, obj), "review_note"]
        if not workflow.can_publish(request.user):
            readonly += workflow.PUBLISHER_FIELDS
        return readonly

    def get_fieldsets(self, request, obj=None):
        fieldsets = [(name, dict(options)) for name, options in super().get_fieldsets(request, obj)]
        for _name, options in fieldsets:
            if "status" in options["fields"]:
                fields = list(options["fields"])
                # The editor's note, when one came back with the article, above its state.
                shown = ["review_note"] if obj is not None and obj.review_note else []
                fields[fields.index("status") : fields.index("status") + 1] = [*shown, "status", "note"]
                options["fields"] = fields
        return fieldsets

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user  # a class of this request's own (modelform_factory)
        return form

    def save_model(self, request, obj, form, change):
        # The form refused it already; this holds for any other path into the save.
        if obj.status == Article.Status.PUBLISHED and not workflow.can_publish(request.user):
            raise PermissionDenied
        before = getattr(obj, "_stored_status", None)  # as loaded (None: a new article)
        note = getattr(form, "cleaned_data", {}).get("note", "")
        if workflow.is_return(before, obj.status):
            obj.review_note = " ".join(note.split())
        elif obj.status != Article.Status.DRAFT:
            obj.review_note = ""  # resubmitted or published: the note has been dealt with
        # The history's comment for this save (ArticleRevisionsAdminMixin adds it).
        obj._transition_message = workflow.transition_message(before, obj, note)
        super().save_model(request, obj, form, change)

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
