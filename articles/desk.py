"""The editors' desk: nothing typed is lost, and no one overwrites a colleague unseen.

- Drafts: the article form sends what is typed every few seconds; it is kept per editor and
  article (``ArticleDraft``) until the editor saves, and offered back when the form is reopened.
- Edit conflicts: the form carries the article's ``version``; a save made from an older one is
  refused with what the other editor changed (``edit_conflict``).
- Presence: each open form says every few seconds who has it open; kept in the shared cache for
  a short while only (``mark_present``).

The admin's side (views, form, template) is in articles/desk_admin.py.
"""

import json
import time

from django.core.cache import cache
from django.utils import timezone

from .models import Article, ArticleDraft
from .revisions import PUBLISHING_FIELDS, SHARED_CONTENT_FIELDS, _current_data, compare, restored_fields

# A draft is the form's text, three languages of it: far below this. The cap keeps a broken or
# hostile page from filling the database through the autosave.
DRAFT_MAX_BYTES = 512 * 1024
# A draft's fields: names as the form posts them, values strings or lists of strings.
DRAFT_MAX_FIELDS = 300

# Open forms say so every PRESENCE_HEARTBEAT_SECONDS; an editor not heard from for
# PRESENCE_TTL_SECONDS has closed the page (or lost the network).
PRESENCE_HEARTBEAT_SECONDS = 20
PRESENCE_TTL_SECONDS = 50


class DraftRefused(ValueError):
    """The posted draft is not a form's fields (or is too big); the message says which."""


def parse_draft(raw):
    """The fields of a posted draft (JSON text), checked: ``{name: str or [str]}``."""
    if len(raw.encode()) > DRAFT_MAX_BYTES:
        raise DraftRefused("too large")
    try:
        data = json.loads(raw)
    except ValueError as error:
        raise DraftRefused("not JSON") from error
    if not isinstance(data, dict) or len(data) > DRAFT_MAX_FIELDS:
        raise DraftRefused("not a form")
    for name, value in data.items():
        values = value if isinstance(value, list) else [value]
        if not isinstance(name, str) or not all(isinstance(item, str) for item in values):
            raise DraftRefused("not a form")
    return data


def save_draft(user, data, article=None, token="", base_version=None):
    """Keep ``data`` as ``user``'s unsaved draft of ``article`` (or of the new article ``token``)."""
    key = {"user": user, "article": article} if article else {"user": user, "article": None, "token": token}
    draft, _created = ArticleDraft.objects.update_or_create(
        **key, defaults={"data": data, "base_version": base_version, "saved_at": timezone.now()}
    )
    return draft


def draft_for(user, article=None):
    """``user``'s draft of ``article``; for a new article, their newest draft of one."""
    if article is not None:
        return ArticleDraft.objects.filter(user=user, article=article).first()
    return ArticleDraft.objects.filter(user=user, article=None).order_by("-saved_at").first()


def clear_drafts(user, article=None, token=""):
    """Forget ``user``'s draft of ``article`` and of the add form ``token`` (after a save)."""
    if article is not None:
        ArticleDraft.objects.filter(user=user, article=article).delete()
    if token:
        ArticleDraft.objects.filter(user=user, article=None, token=token).delete()


def draft_payload(draft):
    """A draft as the form's script restores it (``None``: no draft)."""
    if draft is None:
        return None
    return {
        "data": draft.data,
        "token": draft.token,
        "baseVersion": draft.base_version,
        "savedAt": int(draft.saved_at.timestamp() * 1000),
    }


# --- Who has the article open ----------------------------------------------------------------


def _presence_key(article_pk):
    return f"articles:presence:{article_pk}"


def display_name(user):
    """The name colleagues know: the full name, else the username."""
    return user.get_full_name() or user.get_username()


def mark_present(article_pk, user, leaving=False):
    """Note that ``user`` has the article's form open (or has just left it); return the names of
    the others who have it open, in the order they came.

    One cache entry per article, ``{user id: [name, last heard]}``; two heartbeats at the same
    moment may drop one of them, which the next heartbeat (seconds later) puts back.
    """
    now = time.time()
    key = _presence_key(article_pk)
    present = cache.get(key) or {}
    present = {uid: entry for uid, entry in present.items() if now - entry[1] < PRESENCE_TTL_SECONDS}
    if leaving:
        present.pop(str(user.pk), None)
    else:
        present[str(user.pk)] = [display_name(user), now]
    cache.set(key, present, PRESENCE_TTL_SECONDS)
    return [
        name
        for uid, (name, _seen) in sorted(present.items(), key=lambda item: item[1][1])
        if uid != str(user.pk)
    ]


# --- Edit conflicts --------------------------------------------------------------------------


def _revision_at(article, version_number):
    """The revision that stored ``article`` at ``version_number``, if the admin made one."""
    from .revisions import revision_data, revisions_of

    for version in revisions_of(article)[:50]:
        data, _stored = revision_data(version)
        if data.get("version") == version_number:
            return data
    return None


def form_data(cleaned_data):
    """The values an editor submitted, keyed like a revision's (attnames), for a comparison."""
    data = {}
    for name in [*restored_fields(), *PUBLISHING_FIELDS]:
        if name not in cleaned_data or name == "image":
            continue
        field = Article._meta.get_field(name)
        value = cleaned_data[name]
        data[field.attname] = value.pk if hasattr(value, "pk") else value
    return data


def edit_conflict(article, base_version, submitted):
    """What changed in ``article`` since ``base_version``, as comparison sections.

    Returns ``(sections, since_base)``: ``since_base`` is True when the sections show what the
    others saved since the editor opened the form; False when that state is no longer known (no
    revision of it), and they show the saved article against the editor's own text instead.
    """
    current = _current_data(article)
    base = _revision_at(article, base_version)
    if base is not None:
        return compare(base, current), True
    fields = [name for name in SHARED_CONTENT_FIELDS if name != "image"] + PUBLISHING_FIELDS
    return compare(submitted, current, shared_fields=fields), False
