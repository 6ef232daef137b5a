"""Image renditions as a background task (README "Background tasks").

Writing the ten WebP and JPEG sizes of a 12-megapixel photo takes about 2 s (more to an object
store): too long for the editor's save. The save queues this task; until a worker has made the
renditions, pages show the uploaded image itself, with its width and height, so nothing is
broken and nothing shifts (``Article.renditions_of`` says which file's renditions exist).
"""

from django_tasks import task

from kawalis.readercache import invalidate

from . import images
from .models import Article, LiveEntry, live_tag


@task()
def make_image_renditions(image_name):
    """Write the renditions of one stored image, then let every article and live entry that
    uses it show them."""
    sized = ("pk", "image", "image_width", "image_height")
    owner = (
        Article.objects.filter(image=image_name).only(*sized).first()
        or LiveEntry.objects.filter(image=image_name).only(*sized).first()
    )
    if owner is None:
        return {"written": 0}  # replaced or deleted before the worker came to it
    written = images.make_renditions(owner)
    behind = Article.objects.filter(image=image_name).exclude(renditions_of=image_name)
    showing = list(behind.values_list("pk", flat=True))
    if Article.objects.filter(pk__in=showing).update(renditions_of=image_name):
        # Cached pages and cards of these articles still point at the original.
        invalidate(*(f"article:{pk}" for pk in showing))
    entries = LiveEntry.objects.filter(image=image_name).exclude(renditions_of=image_name)
    coverages = sorted(set(entries.values_list("article_id", flat=True)))
    if entries.update(renditions_of=image_name):
        invalidate(*(live_tag(pk) for pk in coverages))
    return {"written": len(written)}


@task()
def send_review_notice():
    """Tell the editors that articles wait for review (queued by ``workflow.editors_due()``)."""
    from . import workflow

    return workflow.notify_editors()


@task()
def fetch_embeds(keys, article_pk, live=False, again=False):
    """Fetch title and thumbnail of the embeds ``keys`` ([[provider, id], ...]) that an article
    (or, ``live``, one of its live entries) shows, then let its cached pages show them.
    ``again`` (the admin's action, ``article_pk`` None): also those fetched already."""
    from django.db import transaction

    from . import embed_fetch
    from .models import Embed

    fetched, failed = 0, []
    for provider, provider_id in keys:
        with transaction.atomic():
            record, _created = Embed.objects.select_for_update().get_or_create(
                provider=provider, provider_id=provider_id
            )
            if (record.fetched_at is not None and not again) or record.attempts >= embed_fetch.MAX_ATTEMPTS:
                continue  # another task came first, or it has had its tries
            if embed_fetch.fetch(record):
                fetched += 1
            elif record.attempts < embed_fetch.MAX_ATTEMPTS:
                failed.append([provider, provider_id])
    if fetched:
        if article_pk is None:  # fetched again from the admin: every article showing one of them
            tags = embed_fetch.showing_tags(keys)
        else:
            tags = [f"article:{article_pk}", *([live_tag(article_pk)] if live else [])]
        invalidate(*tags)
    if not again:
        embed_fetch.retry_later(failed, article_pk, live)
    return {"fetched": fetched, "failed": len(failed)}
