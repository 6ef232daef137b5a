"""The article admin's revisions: kept on every save, listed on "History", compared, restored.

A mixin for ArticleAdmin, so that the article screens (articles/admin.py) and the revision
screens change independently.
"""

import reversion
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from .revisions import (
    RestoreError,
    compare_versions,
    compare_with_current,
    field_label,
    restore_revision,
    revisions_of,
)

# A story is rarely saved more often than this; older revisions stay stored, just not listed.
HISTORY_LENGTH = 200


class ArticleRevisionsAdminMixin:
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        # One revision per save, made with everything the form saved (inlines included).
        # An invalid form saves nothing, and reversion then records no revision.
        with reversion.create_revision():
            reversion.set_user(request.user)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        if request.method != "POST":
            return super().changelist_view(request, extra_context)
        # Bulk actions (publish, unpublish...) and list edits save articles too: one revision
        # holds every article the request saved, each in its own history.
        with reversion.create_revision():
            reversion.set_user(request.user)
            action = self.get_actions(request).get(request.POST.get("action", ""))
            reversion.set_comment(str(action[2]) if action else _("Changed from the article list."))
            return super().changelist_view(request, extra_context)

    def construct_change_message(self, request, form, formsets, add=False):
        """Django's change message, naming each field as the admin shows it in the editor's
        language («العنوان [ar]»): modeltranslation's labels are fixed in English at start-up
        ("Title [ar]"), and the revision history keeps this message as its comment."""
        message = super().construct_change_message(request, form, formsets, add)
        for part in message:
            changed = part.get("changed")
            if changed and "fields" in changed and not part.get("changed", {}).get("object"):
                changed["fields"] = [field_label(name) for name in form.changed_data]
        return message

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        if reversion.is_active():
            reversion.set_comment(self._with_transition(obj, entry.get_change_message() or _("Added.")))
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if reversion.is_active():
            changed = entry.get_change_message()
            transition = getattr(obj, "_transition_message", "")
            reversion.set_comment(
                self._with_transition(obj, changed or ("" if transition else _("No fields changed.")))
            )
        return entry

    @staticmethod
    def _with_transition(obj, message):
        """The save's message, then what the save did to the article's state and its note
        (set by the admin's save_model: "Submitted for review. Note: …")."""
        return " ".join(filter(None, [message, getattr(obj, "_transition_message", "")]))

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/revisions/compare/",
                wrap(self.revision_compare_view),
                name=f"{prefix}_revision_compare",
            ),
            path(
                "<path:object_id>/revisions/<int:version_id>/restore/",
                wrap(self.revision_restore_view),
                name=f"{prefix}_revision_restore",
            ),
            *super().get_urls(),
        ]

    # --- views ---------------------------------------------------------------------------

    def _article_or_404(self, request, object_id, need_change=False):
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404(_("No article with this number."))
        allowed = (
            self.has_change_permission(request, article)
            if need_change
            else self.has_view_or_change_permission(request, article)
        )
        if not allowed:
            raise PermissionDenied
        return article

    def _context(self, request, article, title, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "title": title,
            "subtitle": str(article),
            "has_change_permission": self.has_change_permission(request, article),
            "history_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[article.pk]
            ),
            **extra,
        }

    def history_view(self, request, object_id, extra_context=None):
        """The "History" button of the change form: the article's revisions."""
        article = self._article_or_404(request, object_id)
        versions = list(revisions_of(article)[:HISTORY_LENGTH])
        rows = [
            {"version": version, "previous": versions[index + 1] if index + 1 < len(versions) else None}
            for index, version in enumerate(versions)
        ]
        context = self._context(request, article, _("Revisions"), rows=rows)
        return TemplateResponse(request, "admin/articles/article/revisions.html", context)

    def revision_compare_view(self, request, object_id):
        """Differences between two revisions, ``?old=ID&new=ID`` (either order is fine)."""
        article = self._article_or_404(request, object_id)
        history = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[article.pk])
        versions = revisions_of(article)
        try:
            chosen = sorted({int(request.GET["old"]), int(request.GET["new"])})
            old, new = (versions.get(pk=pk) for pk in chosen)
        except (KeyError, ValueError, versions.model.DoesNotExist):
            messages.error(request, _("Choose two different revisions of this article to compare."))
            return HttpResponseRedirect(history)
        if old.pk == new.pk or len(chosen) != 2:
            messages.error(request, _("Choose two different revisions of this article to compare."))
            return HttpResponseRedirect(history)
        context = self._context(
            request,
            article,
            _("Changes between two revisions"),
            old=old,
            new=new,
            sections=compare_versions(old, new),
        )
        return TemplateResponse(request, "admin/articles/article/revision_compare.html", context)

    def revision_restore_view(self, request, object_id, version_id):
        """GET: what restoring would change. POST: restore it, as a new revision."""
        article = self._article_or_404(request, object_id, need_change=True)
        version = get_object_or_404(revisions_of(article), pk=version_id)
        history = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_history", args=[article.pk])
        if request.method == "POST":
            try:
                restore_revision(article, version, request.user)
            except RestoreError as error:
                messages.error(request, str(error))
                return HttpResponseRedirect(request.path)
            messages.success(request, _("The revision was restored; it is now the newest revision."))
            return HttpResponseRedirect(history)
        context = self._context(
            request,
            article,
            _("Restore a revision"),
            version=version,
            sections=compare_with_current(version, article),
        )
        return TemplateResponse(request, "admin/articles/article/revision_restore.html", context)
