"""Breaking news ("عاجل"): which lines readers see now, and where a line may link to.

The strip is on every reader page, so its cost matters: the lines are read with one query and
cached per language in the readers' cache (tagged "breaking": an editor's change shows at once)
and never past the moment the strip next changes (an expiry, a line or an
article that starts later), so a line disappears by itself at its expiry.
"""

import math
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kawalis.readercache import shared, tag
from kawalis.site_url import browser_url

from .models import BREAKING_TAG

# Even with nothing due to change, the strip is re-read this often (a safety net, not a need).
MAX_CACHE_SECONDS = 300
# More lines than this at once is no longer "breaking"; the newest are shown.
MAX_LINES = 5


def site_hosts():
    """Host names that count as "this site" for a breaking-news link."""
    hosts = {host.lstrip(".").lower() for host in settings.ALLOWED_HOSTS if host != "*"}
    site_host = urlsplit(settings.SITE_URL).hostname
    if site_host:
        hosts.add(site_host.lower())
    return hosts


def check_breaking_link(link):
    """Raise ValidationError unless ``link`` is an address on this site (or external links are allowed).

    Accepted: a path such as ``/article/12/``, or an http(s) address on one of the site's hosts.
    Anything else (``javascript:``, ``//other.site``, another host) is refused, because the strip
    is shown on every page and must not become a way to send readers elsewhere unnoticed.
    """
    if "\\" in link or any(ord(char) < 32 for char in link):
        raise ValidationError(_("This is not a valid address."), code="invalid")
    parts = urlsplit(link)
    if not parts.scheme and not parts.netloc and not link.startswith("/"):
        raise ValidationError(_("Start the address with “/” (this site) or with https://."), code="relative")
    # Where a browser goes, not what urllib sees: "///evil.example/" is a path to urllib.
    url = browser_url(link)
    if url is None or url.protocol not in {"http:", "https:"} or not url.hostname:
        raise ValidationError(_("Use an address that starts with “/” or with https://."), code="scheme")
    if url.hostname.lower() in site_hosts() or settings.BREAKING_ALLOW_EXTERNAL_LINKS:
        return
    raise ValidationError(
        _("Links to other sites are not allowed in breaking news: link to an article on this site."),
        code="external",
    )


def is_external(link):
    url = browser_url(link) if link else None
    return url is not None and (url.hostname or "").lower() not in site_hosts()


@dataclass(frozen=True)
class BreakingLine:
    """One line of the strip as a reader sees it (plain data: it is cached)."""

    text: str
    url: str
    # Set when the line is shown in another language than the page's, for want of a translation.
    lang: str = ""
    external: bool = False


def line_for(item, language):
    """``item`` as a BreakingLine in ``language``, falling back to the Arabic original."""
    original = settings.LANGUAGE_CODE
    text = getattr(item, f"text_{language}", None)
    fallback = ""
    if not text and item.article_id:
        text = getattr(item.article, f"title_{language}", None)
        if not text:
            text, fallback = getattr(item.article, f"title_{original}", None) or "", original
    if not text:
        text = getattr(item, f"text_{original}", None) or ""
        fallback = original if language != original else ""
    if fallback == language:
        fallback = ""
    return BreakingLine(text=text, url=item.url or "", lang=fallback, external=is_external(item.url))


def _load(now, language):
    """The lines active at ``now`` and the time the strip next changes by itself, or None (one query)."""
    from .models import BreakingNews

    upcoming = list(
        BreakingNews.objects.not_expired(now).select_related("article").order_by("-starts_at", "-id")[:50]
    )
    changes = []
    lines = []
    for item in upcoming:
        changes.append(item.expires_at)
        starts = item.starts_at
        if item.article_id:
            article = item.article
            if article.status != article.Status.PUBLISHED:
                continue
            if article.unpublish_at is not None:
                if article.unpublish_at <= now:
                    continue  # the article has left the site: so does its line
                changes.append(article.unpublish_at)
            starts = max(starts, article.published_at)
        if starts > now:
            changes.append(starts)
        elif len(lines) < MAX_LINES:
            lines.append(line_for(item, language))
    return lines, min(changes, default=None)


def _state(language):
    """``(lines, next_change)`` for ``language``: from the cache, or one query.

    The strip and the page cache's expiry both need it on every uncached page; one cache entry
    serves both, so the strip costs at most one query per page.
    """
    now = timezone.now()

    def compute():
        tag(BREAKING_TAG)
        lines, next_change = _load(now, language)
        valid_until = min(filter(None, [next_change, now + timedelta(seconds=MAX_CACHE_SECONDS)]))
        return lines, valid_until, next_change

    # The stored "valid until" is checked too: cache timeouts are rounded to whole seconds.
    lines, _valid_until, next_change = shared(
        "breaking-news",
        language,
        compute=compute,
        timeout=lambda state: max(1, math.floor((state[1] - now).total_seconds())),
        usable=lambda state: state[1] > timezone.now(),
    )
    return lines, next_change


def current_breaking_news(language=None):
    """The strip's lines for the reader's language: from the cache, or one query."""
    return _state(language or get_language() or settings.LANGUAGE_CODE)[0]


def seconds_until_next_change():
    """How long a page showing the strip may be cached before the strip can change by itself.

    For whole-page caches: a page cached longer than this could show an expired line. None when
    nothing is due to change (an editor's change invalidates the reader pages anyway).
    """
    _lines, next_change = _state(get_language() or settings.LANGUAGE_CODE)
    if next_change is None:
        return None
    return max(0, math.floor((next_change - timezone.now()).total_seconds()))
