"""Load the demo newsroom. Safe to run any number of times: it updates, never duplicates."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from articles import images
from articles.demo import content, illustration
from articles.models import Article, Category
from articles.sanitize import paragraphs_to_html


class Command(BaseCommand):
    help = "Load the seed article from the source page and a few plainly-labelled demo articles."

    @transaction.atomic
    def handle(self, *args, **options):
        categories = {}
        for order, (slug, name_ar, name_fr, name_en) in enumerate(content.CATEGORIES):
            categories[slug], _created = Category.objects.update_or_create(
                slug=slug,
                defaults={"name_ar": name_ar, "name_fr": name_fr, "name_en": name_en, "menu_order": order},
            )

        title, paragraphs = content.read_seed()
        seed = self._upsert(
            key_title=title,
            defaults={
                "title_ar": title,
                "body_ar": "".join(paragraphs_to_html(p) for p in paragraphs),
                "category": categories[content.SEED_CATEGORY],
                "byline_ar": content.SEED_BYLINE,
                "status": Article.Status.PUBLISHED,
                "published_at": content.SEED_PUBLISHED_AT,
                "is_featured": True,
            },
        )

        if not seed.image or not seed.image.storage.exists(seed.image.name):
            # An abstract drawing, credited as such: the captured page's photo is not ours to copy.
            seed.image = images.clean_upload(
                SimpleUploadedFile("illustration.jpg", illustration.abstract_illustration())
            )
            seed.image_caption_ar = illustration.CAPTION_AR
            for language, credit in illustration.CREDITS.items():
                setattr(seed, f"image_credit_{language}", credit)
            seed.save()

        now = timezone.now()
        count = 0
        for index, (slug, *_names) in enumerate(content.CATEGORIES):
            category = categories[slug]
            for n in range(1, content.DEMO_ARTICLES_PER_CATEGORY + 1):
                fields = {}
                for language in ("ar", "fr", "en"):
                    name = getattr(category, f"name_{language}")
                    fields[f"title_{language}"] = content.DEMO_TITLES[language].format(n=n, category=name)
                    fields[f"body_{language}"] = "".join(
                        paragraphs_to_html(p) for p in content.DEMO_BODIES[language]
                    )
                    fields[f"lead_{language}"] = content.DEMO_BODIES[language][0]
                fields.update(
                    category=category,
                    byline_ar="Kawalis demo",
                    status=Article.Status.PUBLISHED,
                    published_at=now - datetime.timedelta(hours=index * 3 + n),
                )
                self._upsert(key_title=fields["title_ar"], defaults=fields)
                count += 1

        self.stdout.write(
            self.style.SUCCESS(
                f"Demo content ready: {len(categories)} categories, seed article #{seed.pk}, "
                f"{count} demo articles."
            )
        )

    def _upsert(self, key_title, defaults):
        """Find the article by its Arabic title (the demo's natural key) and update it."""
        article = Article.objects.filter(title_ar=key_title).order_by("pk").first() or Article()
        for field, value in defaults.items():
            setattr(article, field, value)
        article.save()
        return article
