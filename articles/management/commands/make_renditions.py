"""Write the responsive renditions of every article image again (after changing the widths or
the quality in articles/images.py, or after copying images into a new storage)."""

from django.core.management.base import BaseCommand, CommandError

from articles import images
from articles.models import Article
from kawalis.readercache import SITE_TAG, invalidate


class Command(BaseCommand):
    help = "Regenerate the WebP/JPEG renditions of article images (all, or the given article numbers)."

    def add_arguments(self, parser):
        parser.add_argument("article_ids", nargs="*", type=int, help="article numbers; all when none")

    def handle(self, *args, article_ids=(), **options):
        articles = Article.objects.exclude(image="").only("pk", "image", "image_width", "image_height")
        if article_ids:
            articles = articles.filter(pk__in=article_ids)
            missing = set(article_ids) - set(articles.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No article with an image has the number(s): {sorted(missing)}")
        done = failed = 0
        # Articles may share one image file (an archive reuses photos): render each file once.
        for name in articles.order_by().values_list("image", flat=True).distinct().iterator():
            article = articles.filter(image=name).first()
            try:
                images.make_renditions(article)
                Article.objects.filter(image=name).update(renditions_of=name)
                done += 1
            except (OSError, ValueError) as error:
                failed += 1
                self.stderr.write(f"{name}: {error}")
        if done:
            invalidate(SITE_TAG)  # cached pages may still show the originals
        self.stdout.write(self.style.SUCCESS(f"Renditions written for {done} image file(s)."))
        if failed:
            raise CommandError(f"{failed} image(s) could not be read; see the lines above.")
