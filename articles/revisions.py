"""Article revisions: what each admin save kept, how two revisions differ, and restoring one.

Storage is django-reversion: each revision keeps the article serialised with every language's
fields (``title_ar``, ``title_fr``, ``title_en``, ...), who saved it and when. reversion
serialises the model's concrete fields at save time, so it sees the fields modeltranslation
adds; django-simple-history copies a model's fields into its history table when the model
class is prepared, before modeltranslation adds them, and so misses the translations.

Revisions are made only inside the admin's save (``articles.revisions_admin``); reading an
article never touches them.
"""

import datetime
import difflib
import html
import json
import re

import reversion
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.utils import formats, timezone
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reversion.models import Version

from .models import ARTICLE_LANGUAGES, Article, Category

# Fields of an article that are not per language and that a restore brings back.
SHARED_CONTENT_FIELDS = ["slug", "category", "image"]
# Fields once shared by every language, now translated (migration 0010): a revision saved before
# holds one value, which was the Arabic page's.
FORMERLY_SHARED_FIELDS = ["byline", "image_credit"]
# Kept and shown in the diff, but never restored: restoring old words must not unpublish,
# republish or reschedule a story behind the editor's back.
PUBLISHING_FIELDS = ["status", "published_at", "is_featured", "comments_open"]


class RestoreError(Exception):
    """A revision cannot be restored as it is; the message says why, for the editor."""


def local_datetime(value):
    """A moment as the admin's lists show it: the site's time zone, the language's format."""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def field_label(name):
    """An article field's name in the active language: «العنوان [ar]» for ``title_ar``."""
    base, _sep, code = name.rpartition("_")
    if base in translated_field_names() and code in ARTICLE_LANGUAGES:
        return f"{capfirst(Article._meta.get_field(base).verbose_name)} [{code}]"
    try:
        return str(capfirst(Article._meta.get_field(name).verbose_name))
    except FieldDoesNotExist:
        return name


def translated_field_names():
    """The article's translated fields, e.g. ``["title", "lead", "body", ...]`` (in that order)."""
    from modeltranslation.translator import translator

    preferred = ["title", "lead", "body", "image_caption"]
    names = translator.get_options_for_model(Article).fields
    return [name for name in preferred if name in names] + sorted(set(names) - set(preferred))


def restored_fields():
    """Field names a restore writes back: every language's text, and the shared content."""
    per_language = [f"{name}_{code}" for code in ARTICLE_LANGUAGES for name in translated_field_names()]
    return per_language + SHARED_CONTENT_FIELDS


def register_article_revisions():
    """Register Article with reversion (from ``ArticlesConfig.ready()``, after modeltranslation)."""
    if not reversion.is_registered(Article):
        # The version number lets an edit conflict show what changed since the editor's version.
        reversion.register(Article, fields=[*restored_fields(), *PUBLISHING_FIELDS, "version"])


def revisions_of(article):
    """The article's revisions, newest first, with who saved each."""
    return Version.objects.get_for_object(article).select_related("revision__user")


def _stored_fields(version):
    """The fields as stored in a revision, ``{name: value}`` (one saved before a field existed lacks it)."""
    try:
        fields = json.loads(version.serialized_data)[0]["fields"]
    except (ValueError, LookupError, TypeError):
        return {}
    return fields if isinstance(fields, dict) else {}


def revision_data(version):
    """``(data, stored)``: a revision's values by attname, and the names of the fields it holds.

    A revision saved while a field was still shared has its one value as the Arabic one, so
    that comparing it shows no change that was never made and restoring it brings the byline back.
    """
    data = dict(version.field_dict)
    fields = _stored_fields(version)
    stored = set(fields)
    for name in FORMERLY_SHARED_FIELDS:
        arabic = f"{name}_{settings.LANGUAGE_CODE}"
        if arabic not in stored and name in stored:
            data[arabic] = fields[name]
            stored.add(arabic)
    return data, stored


def _value(data, name):
    field = Article._meta.get_field(name)
    return data.get(field.attname)


def _current_data(article):
    return {
        Article._meta.get_field(name).attname: getattr(article, Article._meta.get_field(name).attname)
        for name in [*restored_fields(), *PUBLISHING_FIELDS]
    }


def _same_content(data, other):
    """Whether two states hold the same words and content (what a restore would overwrite)."""
    attnames = [Article._meta.get_field(name).attname for name in restored_fields()]
    return all(str(data.get(name) or "") == str(other.get(name) or "") for name in attnames)


# --- Differences ---------------------------------------------------------------------------

_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|figcaption|div)>|<br\s*/?>", re.IGNORECASE)
_TOKENS = re.compile(r"\s+|[^\s]+")


# Fields holding editors' HTML; the others are plain text, compared as typed.
HTML_FIELDS = {"body"}


def readable_text(value, is_html=True):
    """A field's text as an editor reads it: HTML paragraphs become lines, tags go away."""
    if not is_html:
        return str(value or "").strip()
    text = _BLOCK_END.sub("\n", str(value or ""))
    return html.unescape(strip_tags(text)).strip()


def diff_html(old, new):
    """Word-level difference of two texts as HTML: removed words in <del>, added in <ins>.

    Every piece of text is escaped; only the <del>/<ins> markup is ours.
    """
    old_tokens, new_tokens = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    parts = []
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        removed = "".join(old_tokens[old_start:old_end])
        added = "".join(new_tokens[new_start:new_end])
        if operation == "equal":
            parts.append(escape(removed))
            continue
        if removed:
            parts.append(f'<del class="diff-removed">{escape(removed)}</del>')
        if added:
            parts.append(f'<ins class="diff-added">{escape(added)}</ins>')
    # Safe: every text part above went through escape(); only our <del>/<ins> tags are raw.
    return mark_safe("".join(parts))


def _display(name, value):
    if value in (None, ""):
        return ""
    if name == "category":
        category = Category.objects.filter(pk=value).first()
        return category.name if category else _("(deleted category #%(id)s)") % {"id": value}
    if name == "status":
        return str(dict(Article.Status.choices).get(value, value))
    if name in {"is_featured", "comments_open"}:
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return local_datetime(value)
    return readable_text(value, is_html=False)


LANGUAGE_NAMES = dict(settings.LANGUAGES)
SHARED_SECTION = gettext_lazy("All languages")


def change_html(old, new):
    """A short value's change as a whole: the old value struck through, then the new one."""
    parts = []
    if old:
        parts.append(f'<del class="diff-removed">{escape(old)}</del>')
    if new:
        parts.append(f'<ins class="diff-added">{escape(new)}</ins>')
    # Safe: both values went through escape().
    return mark_safe(" ".join(parts))


def compare(old_data, new_data, shared_fields=None):
    """Changed fields between two revisions' data, grouped per language then shared fields.

    Returns ``[{"title": ..., "language": code or "", "fields": [{"label", "diff"}]}]``, with
    only the sections and fields that changed.
    """
    sections = []
    for code in ARTICLE_LANGUAGES:
        fields = []
        for name in translated_field_names():
            field = Article._meta.get_field(f"{name}_{code}")
            old, new = (
                readable_text(_value(old_data, field.name)),
                readable_text(_value(new_data, field.name)),
            )
            if old != new:
                fields.append(
                    {"label": Article._meta.get_field(name).verbose_name, "diff": diff_html(old, new)}
                )
        if fields:
            sections.append({"title": LANGUAGE_NAMES[code], "language": code, "fields": fields})
    fields = []
    for name in shared_fields or [*SHARED_CONTENT_FIELDS, *PUBLISHING_FIELDS]:
        old, new = _display(name, _value(old_data, name)), _display(name, _value(new_data, name))
        if old != new:
            fields.append(
                {"label": Article._meta.get_field(name).verbose_name, "diff": change_html(old, new)}
            )
    if fields:
        sections.append({"title": SHARED_SECTION, "language": "", "fields": fields})
    return sections


def compare_versions(old_version, new_version):
    return compare(revision_data(old_version)[0], revision_data(new_version)[0])


def compare_with_current(version, article):
    """What restoring ``version`` would change in ``article`` as it is now (publication aside)."""
    return compare(_current_data(article), revision_data(version)[0], shared_fields=SHARED_CONTENT_FIELDS)


# --- Restoring -------------------------------------------------------------------------------


def restore_revision(article, version, user):
    """Bring ``version``'s words back as a new revision of ``article``; return the new revision.

    The article's state before the restore is kept as a revision first when no revision holds
    it yet (an article created outside the admin, say), so a restore never loses anything.
    Publication status, time and flags stay as they are now. Raises RestoreError, changing
    nothing, when the revision's category no longer exists.
    """
    data, stored = revision_data(version)
    category_id = data.get("category_id")
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=article.pk)
        if category_id is not None and not Category.objects.filter(pk=category_id).exists():
            raise RestoreError(
                _(
                    "This revision was filed under a category that has since been deleted, so it "
                    "cannot be restored as it is. Nothing was changed: restore another revision, or "
                    "copy the text you need into the article."
                )
            )
        latest = revisions_of(article).first()
        if latest is None or not _same_content(revision_data(latest)[0], _current_data(article)):
            with reversion.create_revision(atomic=False):
                reversion.add_to_revision(article)
                reversion.set_user(user)
                reversion.set_comment(_("The article as it was before a restore."))
        for name in restored_fields():
            field = Article._meta.get_field(name)
            if name in stored or field.attname in stored:
                setattr(article, field.attname, data.get(field.attname))
        when = version.revision.date_created
        with reversion.create_revision(atomic=False):
            article.save()
            reversion.set_user(user)
            reversion.set_comment(_("Restored the revision of %(date)s.") % {"date": local_datetime(when)})
    return revisions_of(article).first()
