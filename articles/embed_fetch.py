"""The title and thumbnail of each embedded post or video, fetched once by the server.

Readers' placeholders (``embeds.with_placeholders``) show them from our own database and media:
no reader's browser asks the provider anything before the reader clicks. When an article or a
live entry is saved with markers, a worker task (``tasks.fetch_embeds``) asks each new embed's
provider for its oEmbed JSON, then downloads its thumbnail, checked as an editor's upload is
(``images.clean_upload``: a real image, size and pixel caps, sRGB, no metadata) and stored with
renditions. Only https, only the provider's own oEmbed host and thumbnail hosts (allowlist in
``embeds.PROVIDERS``), short timeouts, capped sizes, no redirects. A failure is written down
(``Embed.fetch_error``) and tried again a few times at most; the page meanwhile shows the plain
placeholder, never a broken one.

``EMBED_FETCH_BASE`` (tests only) sends every such request to that origin instead, the path and
query kept: the checks still run on the provider's real address.
"""

import json
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import quote

import ada_url
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from . import embeds, images

# A failed embed is tried again at most this many times in all, each later than the last.
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=10)
TIMEOUT_SECONDS = 5
OEMBED_MAX_BYTES = 64 * 1024
THUMBNAIL_MAX_BYTES = 2 * 1024 * 1024


class Refused(Exception):
    """A fetch that was not made or whose answer was not taken (the reason, for the admin)."""


def host_allowed(host, allowed):
    host = host.lower().rstrip(".")
    return any(host == name or host.endswith("." + name) for name in allowed)


def checked_url(address, allowed_hosts):
    """``address`` if it is https on one of ``allowed_hosts`` (by suffix), with no credentials
    and no port of its own; else ``Refused``."""
    try:
        url = ada_url.URL(address or "")
    except ValueError as exc:
        raise Refused(f"not an address: {address[:80]!r}") from exc
    if url.protocol != "https:" or url.username or url.password or url.port:
        raise Refused(f"not https on the provider's host: {url.href[:120]}")
    if not host_allowed(url.hostname, allowed_hosts):
        raise Refused(f"host outside the provider's allowlist: {url.hostname[:80]}")
    return url


def _local(url):
    """Where the request really goes: the provider's address, or the tests' server."""
    base = getattr(settings, "EMBED_FETCH_BASE", "")
    if not base:
        return url.href
    return base.rstrip("/") + url.pathname + url.search


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 3xx is an error: a redirect could lead anywhere


_OPENER = urllib.request.build_opener(_NoRedirects)


def _get(url, limit, accept):
    # Only https on an allowlisted host reaches here (checked_url), or the tests' own server.
    request = urllib.request.Request(_local(url), headers={"Accept": accept, "User-Agent": "Kawalis"})  # noqa: S310
    try:
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            data = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        raise Refused(f"HTTP {exc.code} from {url.hostname}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise Refused(f"no answer from {url.hostname}: {str(exc)[:120]}") from exc
    if len(data) > limit:
        raise Refused(f"answer from {url.hostname} larger than {limit} bytes")
    return data


def oembed(embed):
    """The provider's oEmbed answer for ``embed`` (a dict), or ``Refused``."""
    spec = embed.spec
    endpoint = ada_url.URL(spec.oembed)
    url = checked_url(spec.oembed + quote(embed.url, safe=""), {endpoint.hostname})
    data = _get(url, OEMBED_MAX_BYTES, "application/json")
    try:
        found = json.loads(data)
    except ValueError as exc:
        raise Refused("the oEmbed answer is not JSON") from exc
    if not isinstance(found, dict):
        raise Refused("the oEmbed answer is not an object")
    return found


def thumbnail(embed, address):
    """The thumbnail at ``address``, checked and re-encoded as an upload (``SimpleUploadedFile``)."""
    url = checked_url(address, embed.spec.thumbnail_hosts)
    data = _get(url, THUMBNAIL_MAX_BYTES, "image/*")
    upload = SimpleUploadedFile(f"{embed.provider}-{embed.id.replace('/', '-')}", data)
    try:
        return images.clean_upload(upload)
    except ValidationError as exc:
        raise Refused(f"thumbnail refused: {exc.code}") from exc


def fetch(record):
    """Fetch title and thumbnail for one ``models.Embed`` row and store them (or the error)."""
    embed = embeds.embed_for_marker(record.provider, record.provider_id)
    record.attempts += 1
    try:
        if embed is None:
            raise Refused("no longer an allowlisted provider's embed")
        if not embed.spec.oembed:
            raise Refused(f"{embed.spec.name} gives its oEmbed only with an app token")
        found = oembed(embed)
        title_key = "author_name" if embed.provider == "x" else "title"
        title = found.get(title_key)
        title = title.strip()[:300] if isinstance(title, str) else ""
        picture = None
        address = found.get("thumbnail_url")
        if embed.spec.thumbnail_hosts and isinstance(address, str) and address:
            picture = thumbnail(embed, address)
    except Refused as exc:
        record.fetch_error = str(exc)[:300]
        record.save(update_fields=["attempts", "fetch_error"])
        return False
    record.title = title
    record.fetch_error = ""
    record.fetched_at = timezone.now()
    replaced = record.thumbnail.name if record.thumbnail else ""
    if picture is not None:
        record.thumbnail.save(picture.name, picture, save=False)
        images.make_renditions(record.as_image)
        record.renditions_of = record.thumbnail.name
    record.save()
    if replaced and replaced != record.thumbnail.name:  # fetched again: the old file goes
        storage = record.thumbnail.storage

        def discard():
            images.delete_renditions(replaced, storage)
            storage.delete(replaced)

        transaction.on_commit(discard)
    return True


def due(embeds_found):
    """Of ``embeds_found``, those to fetch now: never tried, or failed fewer than
    ``MAX_ATTEMPTS`` times (an embed whose provider needs a token is not fetched at all)."""
    from .models import Embed

    wanted = [embed for embed in embeds_found if embed.spec.oembed]
    if not wanted:
        return []
    known = {
        (row.provider, row.provider_id): row
        for row in Embed.objects.filter(provider_id__in=[embed.id for embed in wanted])
    }
    return [
        embed
        for embed in wanted
        if (row := known.get((embed.provider, embed.id))) is None
        or (row.fetched_at is None and row.attempts < MAX_ATTEMPTS)
    ]


def fetch_after_commit(bodies, article_pk, live=False, using=None):
    """Once the save is committed, queue the fetch of the new embeds in ``bodies`` (texts)."""
    found = list(dict.fromkeys(embed for body in bodies for embed in embeds.embeds_in(body)))
    if not found:
        return

    def queue():
        pending = due(found)
        if pending:
            from .tasks import fetch_embeds

            fetch_embeds.enqueue([[embed.provider, embed.id] for embed in pending], article_pk, live)

    transaction.on_commit(queue, using=using)


def retry_later(keys, article_pk, live):
    """Queue a later try of ``keys`` where the task backend can wait (the database's can)."""
    from django_tasks import default_task_backend

    from .tasks import fetch_embeds

    if keys and default_task_backend.supports_defer:
        later = timezone.now() + RETRY_AFTER
        fetch_embeds.using(run_after=later).enqueue(keys, article_pk, live)


def showing_tags(keys):
    """The readers' cache tags of every article and live coverage whose text holds one of the
    embeds ``keys`` (a scan of the bodies: for the admin's "fetch again" only)."""
    from django.db.models import Q

    from .models import ARTICLE_LANGUAGES, Article, LiveEntry, live_tag

    tags = []
    for provider, provider_id in keys:
        marker = embeds.marker_html(embeds.Embed(provider, provider_id)).split(">")[0]
        in_body = Q()
        for code in ARTICLE_LANGUAGES:
            in_body |= Q(**{f"body_{code}__contains": marker})
        tags += [f"article:{pk}" for pk in Article.objects.filter(in_body).values_list("pk", flat=True)]
        in_entry = Q()
        for code in ARTICLE_LANGUAGES:
            in_entry |= Q(**{f"text_{code}__contains": marker})
        coverages = LiveEntry.objects.filter(in_entry).values_list("article_id", flat=True)
        tags += [live_tag(pk) for pk in set(coverages)]
    return list(dict.fromkeys(tags))


def previews(embeds_found):
    """{(provider, id): Embed row} of those of ``embeds_found`` fetched already: one query for a
    whole body, none when it holds no embed."""
    from .models import Embed

    if not embeds_found:
        return {}
    rows = Embed.objects.filter(
        provider_id__in=[embed.id for embed in embeds_found], fetched_at__isnull=False
    ).only(
        "provider",
        "provider_id",
        "title",
        "thumbnail",
        "thumbnail_width",
        "thumbnail_height",
        "renditions_of",
    )
    wanted = {(embed.provider, embed.id) for embed in embeds_found}
    return {key: row for row in rows if (key := (row.provider, row.provider_id)) in wanted}
