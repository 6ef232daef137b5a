"""The editors' desk in the article admin (articles/desk.py holds the rules).

``VersionCheckedForm``: the article form's version stamp and the refusal of a stale save.
``ArticleDeskAdminMixin``: the autosave and presence endpoints, the form page's settings for
static/articles/desk.js, clearing a draft once the article is saved.
"""

from django import forms
from django.conf import settings
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, JsonResponse
from django.urls import path, reverse
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

from . import desk
from .models import READING_WORDS_PER_MINUTE, Article

# Saved in the browser after a successful save: which local copies (localStorage) the form's
# script may forget the next time it runs (the page after a save is often the list, not the form).
SAVED_DRAFTS_COOKIE = "article_drafts_saved"


class VersionCheckedForm(forms.ModelForm):
    """Carries the article's version as the editor opened it; refuses a save made from an older
    version, keeping everything the editor typed, with what the other editor changed
    (``self.conflict``). Saving again after that replaces the other's text knowingly."""

    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None
        if self.instance.pk:
            self.fields["base_version"].initial = self.instance.version

    def clean(self):
        cleaned_data = super().clean()
        base = cleaned_data.get("base_version")
        if not self.instance.pk or base is None:
            return cleaned_data
        # The admin's save runs in one transaction: the row stays locked from this read to the
        # save, so two saves from one version cannot both pass.
        current = (
            Article.objects.select_for_update()
            .filter(pk=self.instance.pk)
            .values_list("version", flat=True)
            .first()
        )
        if current is None or current == base:
            return cleaned_data
        saved = Article.objects.get(pk=self.instance.pk)
        sections, since_base = desk.edit_conflict(saved, base, desk.form_data(cleaned_data))
        self.conflict = {"sections": sections, "since_base": since_base}
        # The form comes back with the editor's text; its stamp is now the saved version, so the
        # next save (after reading the differences) goes through.
        self.data = self.data.copy()
        self.data[self.add_prefix("base_version")] = str(current)
        raise forms.ValidationError(
            _(
                "Someone else saved this article while you were editing it. Nothing of yours was "
                "saved and your text is still in the form: read what they changed below, bring "
                "their changes into your text if needed, then save again (that save replaces "
                "their version)."
            ),
            code="edit_conflict",
        )


def _json_error(message, status):
    return JsonResponse({"error": message}, status=status)


class ArticleDeskAdminMixin:
    change_form_template = "admin/articles/article/change_form.html"

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("draft/", wrap(self.draft_view), name=f"{prefix}_draft_new"),
            path("<path:object_id>/draft/", wrap(self.draft_view), name=f"{prefix}_draft"),
            path("<path:object_id>/presence/", wrap(self.presence_view), name=f"{prefix}_presence"),
            *super().get_urls(),
        ]

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        field = form.base_fields.get("tag_list")
        if field is not None and not isinstance(field.widget, RelatedFieldWidgetWrapper):
            # The "+" next to the tags opens the tag form in a window; the new tag is then picked.
            tags = Article._meta.get_field("tags")
            field.widget = RelatedFieldWidgetWrapper(
                field.widget,
                tags.remote_field,
                self.admin_site,
                can_add_related=request.user.has_perm("articles.add_tag"),
                can_change_related=False,
                can_delete_related=False,
                can_view_related=False,
            )
        return form

    # --- endpoints ----------------------------------------------------------------------------

    def _article_for_desk(self, request, object_id):
        """The article the request may edit; for the add form (no id), None if it may add."""
        if object_id is None:
            if not self.has_add_permission(request):
                raise PermissionDenied
            return None
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404(_("No article with this number."))
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        return article

    def draft_view(self, request, object_id=None):
        """POST ``data`` (the form's fields, JSON), ``token`` (add form), ``base_version``: keep it
        as the editor's draft. POST ``discard=1``: forget it. Never publishes nor saves the article."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self._article_for_desk(request, object_id)
        token = request.POST.get("token", "")[:64]
        if article is None and not token:
            return _json_error("token missing", 400)
        if request.POST.get("discard"):
            desk.clear_drafts(request.user, article, token if article is None else "")
            return JsonResponse({"discarded": True})
        try:
            data = desk.parse_draft(request.POST.get("data", ""))
        except desk.DraftRefused as error:
            status = 413 if str(error) == "too large" else 400
            return _json_error(f"draft {error}", status)
        try:
            base_version = int(request.POST.get("base_version", ""))
        except ValueError:
            base_version = None
        draft = desk.save_draft(request.user, data, article, token, base_version)
        return JsonResponse({"savedAt": int(draft.saved_at.timestamp() * 1000)})

    def presence_view(self, request, object_id):
        """POST: "I have this article open" (``leave=1``: "I closed it"); answers who else has."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404(_("No article with this number."))
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        others = desk.mark_present(article.pk, request.user, leaving=bool(request.POST.get("leave")))
        return JsonResponse({"others": others, "message": self.presence_message(others)})

    @staticmethod
    def presence_message(others):
        if not others:
            return ""
        if len(others) == 1:
            return _("%(name)s is also editing this article.") % {"name": others[0]}
        return _("%(names)s are also editing this article.") % {"names": get_text_list(others, _("and"))}

    # --- the form page ------------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "desk": self._desk_settings(request, object_id)}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def _desk_settings(self, request, object_id):
        article = None
        if object_id is not None:
            article = self.get_object(request, unquote(object_id))
            if article is None or not self.has_change_permission(request, article):
                return None  # a missing article, or one the user may only view: no autosave
        elif not self.has_add_permission(request):
            return None
        info = f"admin:{self.opts.app_label}_{self.opts.model_name}"
        urls = {
            "draft": reverse(f"{info}_draft", args=[article.pk]) if article else reverse(f"{info}_draft_new"),
            "presence": reverse(f"{info}_presence", args=[article.pk]) if article else "",
        }
        others = desk.mark_present(article.pk, request.user) if article else []
        return {
            "config": {
                "urls": urls,
                "user": request.user.pk,
                "article": article.pk if article else None,
                "version": article.version if article else None,
                "updatedAt": int(article.updated_at.timestamp() * 1000) if article else None,
                "draft": desk.draft_payload(desk.draft_for(request.user, article)),
                "savedCookie": SAVED_DRAFTS_COOKIE,
                "heartbeatSeconds": desk.PRESENCE_HEARTBEAT_SECONDS,
                "siteUrl": settings.SITE_URL,
                "articlePath": reverse(
                    "articles:detail", kwargs={"pk": article.pk if article else 0, "slug": "-"}
                ),
                "wordsPerMinute": READING_WORDS_PER_MINUTE,
                "titleLimit": 110,
                "text": self._desk_text(),
            },
            "presence": self.presence_message(others),
            # A refused save comes back with its add form's token: its draft stays the same one.
            "token": request.POST.get("_draft_token", "")[:64],
        }

    @staticmethod
    def _desk_text():
        """The script's sentences, in the editor's language (gettext, like every other string)."""
        return {
            "leave": _("You have changes that are not saved. Leave this page and lose them?"),
            "saving": _("Saving a draft…"),
            "saved": _("Draft saved at %(time)s (not published)."),
            "offline": _("No connection: the draft is kept in this browser until it is back."),
            "restoreNewer": _("You have an unsaved draft of this article from %(time)s."),
            "restoreOlder": _(
                "You have an unsaved draft from %(time)s, started before the article's last save: "
                "restoring it and saving will show you what changed since."
            ),
            "restore": _("Restore the draft"),
            "discard": _("Discard it"),
            "restored": _("Draft restored: check it, then save the article."),
            "words": _("%(words)s words · %(minutes)s min read"),
            "titleTooLong": _(
                "The title has %(count)s characters: Google shows about 110; shorten it or write a "
                "shorter title for search engines."
            ),
            "noAlt": _("The image has no description: describe what it shows for readers who cannot see it."),
            "pasteDropped": _(
                "Part of what you pasted was not kept: %(items)s. Upload a photo in the Image field; "
                "other content must be typed as text."
            ),
            "pastedImages": _("images"),
            "pastedEmbeds": _("embedded media (video, frames)"),
            "pastedStyles": _("colours, fonts and layout"),
        }

    # --- after a save -------------------------------------------------------------------------

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        token = request.POST.get("_draft_token", "")[:64]
        desk.clear_drafts(request.user, obj, token)
        # The browser's own copies: the article's, and the add form's (by token).
        request._article_drafts_saved = [f"a{obj.pk}", *([f"n{token}"] if token else [])]

    def _mark_local_drafts_saved(self, request, response):
        saved = getattr(request, "_article_drafts_saved", None)
        if saved:
            # Added to what an earlier save left, should the form not have been opened since.
            earlier = [key for key in request.COOKIES.get(SAVED_DRAFTS_COOKIE, "").split(".") if key]
            response.set_cookie(
                SAVED_DRAFTS_COOKIE,
                ".".join(dict.fromkeys([*earlier, *saved]))[-1000:].lstrip("."),
                max_age=7 * 24 * 3600,
                path="/",
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    def response_add(self, request, obj, post_url_continue=None):
        return self._mark_local_drafts_saved(request, super().response_add(request, obj, post_url_continue))

    def response_change(self, request, obj):
        return self._mark_local_drafts_saved(request, super().response_change(request, obj))
