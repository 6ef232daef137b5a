"""Image renditions as a background task (README "Background tasks").

Writing the ten WebP and JPEG sizes of a 12-megapixel photo takes about 2 s (more to an object
store): too long for the editor's save. The save queues this task; until a worker has made the
renditions, pages show the uploaded image itself, with its width and height, so nothing is
broken and nothing shifts (``Article.renditions_of`` says which file's renditions exist).
"""

from django_tasks import task

from . import images
from .cache import invalidate_reader_pages
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
    if (
        Article.objects.filter(image=image_name)
        .exclude(renditions_of=image_name)
        .update(renditions_of=image_name)
    ):
        invalidate_reader_pages()  # cached pages still point at the original
    return {"written": len(written)}
