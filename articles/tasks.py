"""Image renditions as a background task (README "Background tasks").

Writing the ten WebP and JPEG sizes of a 12-megapixel photo takes about 2 s (more to an object
store): too long for the editor's save. The save queues this task; until a worker has made the
renditions, pages show the uploaded image itself, with its width and height, so nothing is
broken and nothing shifts (``Article.renditions_of`` says which file's renditions exist).
"""

from django_tasks import task

from kawalis.readercache import invalidate

from . import images
from .models import Article


@task()
def make_image_renditions(image_name):
    """Write the renditions of one stored image, then let every article that uses it show them."""
    article = (
        Article.objects.filter(image=image_name).only("pk", "image", "image_width", "image_height").first()
    )
    if article is None:
        return {"written": 0}  # replaced or deleted before the worker came to it
    written = images.make_renditions(article)
    behind = Article.objects.filter(image=image_name).exclude(renditions_of=image_name)
    showing = list(behind.values_list("pk", flat=True))
    if Article.objects.filter(pk__in=showing).update(renditions_of=image_name):
        # Cached pages and cards of these articles still point at the original.
        invalidate(*(f"article:{pk}" for pk in showing))
    return {"written": len(written)}


@task()
def send_review_notice():
    """Tell the editors that articles wait for review (queued by ``workflow.editors_due()``)."""
    from . import workflow

    return workflow.notify_editors()
