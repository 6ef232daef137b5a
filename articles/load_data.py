"""Fake articles for ``manage.py generate_load_data --articles N`` (benchmarks only).

Every row says it is fake: categories "[Load test] …", titles "[بيانات تجريبية] …". Articles
carry French (all) and English (two in three) translations and one of a few generated JPEG
images, stored once through the storage API and shared, as a real archive shares photos.
"""

import datetime
import io
import itertools

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from PIL import Image, ImageDraw

from kawalis.load_data import load_data_generator

from . import images as article_images
from . import search
from .models import Article, ArticleTag, Category, Tag, unicode_slug

CATEGORY_SLUG_PREFIX = "load-test-"
CATEGORY_COUNT = 8
TAG_SLUG_PREFIX = "load-test-tag-"
TAG_COUNT = 40
TAGS_PER_ARTICLE = 2
IMAGE_COUNT = 6
IMAGE_SIZE = (1200, 675)

TITLES = {
    "ar": "[بيانات تجريبية] خبر رقم {n} عن {topic}",
    "fr": "[Données de test] Article n° {n} sur {topic}",
    "en": "[Load test] Story {n} about {topic}",
}
TOPICS = {
    "ar": ["الاقتصاد", "الرياضة", "الثقافة", "السياسة", "التعليم", "الصحة", "الطقس", "التكنولوجيا"],
    "fr": [
        "l'économie",
        "le sport",
        "la culture",
        "la politique",
        "l'école",
        "la santé",
        "la météo",
        "la tech",
    ],
    "en": ["the economy", "sport", "culture", "politics", "schools", "health", "the weather", "technology"],
}
PARAGRAPHS = {
    "ar": [
        "هذا نص تجريبي أنشئ آليا لاختبار أداء الموقع، ولا يمت إلى أي خبر حقيقي بصلة.",
        "تتكرر هذه الفقرة في آلاف المقالات المولدة حتى يقترب حجم الأرشيف من أرشيف جريدة حقيقية.",
        "يمكن حذف هذه البيانات في أي وقت، فهي لا تصلح إلا لقياس السرعة وتحمل الضغط.",
    ],
    "fr": [
        "Ce texte factice a été généré automatiquement pour mesurer les performances du site.",
        "Ce paragraphe se répète dans des milliers d'articles pour approcher la taille d'une vraie archive.",
        "Ces données ne servent qu'aux tests de charge et peuvent être supprimées à tout moment.",
    ],
    "en": [
        "This placeholder text was generated automatically to measure how fast the site is.",
        "It repeats across thousands of articles so that the archive is as large as a real paper's.",
        "This data is only for load tests and can be deleted at any time.",
    ],
}
COLOURS = [(160, 32, 40), (20, 80, 140), (30, 120, 70), (200, 130, 20), (90, 60, 130), (60, 60, 60)]


def load_test_categories():
    categories = []
    for n in range(1, CATEGORY_COUNT + 1):
        category, _created = Category.objects.get_or_create(
            slug=f"{CATEGORY_SLUG_PREFIX}{n}",
            defaults={
                "name_ar": f"[تجريبي] قسم {n}",
                "name_fr": f"[Test] Rubrique {n}",
                "name_en": f"[Test] Section {n}",
                "menu_order": 100 + n,
            },
        )
        categories.append(category)
    return categories


def load_test_tags():
    tags = []
    for n in range(1, TAG_COUNT + 1):
        tag, _created = Tag.objects.get_or_create(
            slug=f"{TAG_SLUG_PREFIX}{n}",
            defaults={
                "name_ar": f"[تجريبي] وسم {n}",
                "name_fr": f"[Test] Mot-clé {n}",
                "name_en": f"[Test] Tag {n}",
            },
        )
        tags.append(tag)
    return tags


def _search_documents(fields):
    """What Article.save() would store for search (bulk_create does not call save())."""
    documents = {}
    for language in ("ar", "fr", "en"):
        title = fields.get(f"title_{language}")
        lead, body = fields.get(f"lead_{language}", ""), fields.get(f"body_{language}", "")
        documents[f"search_{language}"] = search.document(title, lead, body) if title else ""
    return documents


def _tag_links(articles, tags, rng):
    """Each article gets a few distinct tags; the links carry its publication time (see ArticleTag)."""
    return [
        ArticleTag(article_id=article.pk, tag_id=tag.pk, article_published_at=article.published_at)
        for article in articles
        for tag in rng.sample(tags, TAGS_PER_ARTICLE)
    ]


def load_test_images():
    """A few real JPEGs (so pages, renditions and benchmarks see real files), made once."""
    names = []
    for n, colour in enumerate(COLOURS[:IMAGE_COUNT], start=1):
        name = f"load-test/image-{n}.jpg"
        if not default_storage.exists(name):
            image = Image.new("RGB", IMAGE_SIZE, colour)
            draw = ImageDraw.Draw(image)
            for band in range(0, IMAGE_SIZE[0], 150):
                draw.rectangle(
                    [band, 0, band + 60, IMAGE_SIZE[1]], fill=tuple(min(255, c + 40) for c in colour)
                )
            draw.text((40, 40), f"LOAD TEST IMAGE {n}", fill=(255, 255, 255))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=80)
            name = default_storage.save(name, ContentFile(buffer.getvalue()))
        if not default_storage.exists(article_images.rendition_name(name, IMAGE_SIZE[0], "webp")):
            # bulk_create skips Article.save(), which queues the renditions: written here, now.
            article_images.make_renditions(Article(image=name))
        names.append(name)
    return names


def _body(language, n):
    paragraphs = PARAGRAPHS[language]
    return "".join(f"<p>{escape(text)}</p>" for text in [*paragraphs, f"#{n}"])


def _articles(start, count, categories, images, rng):
    """Yields unsaved articles one at a time: the caller batches them."""
    now = timezone.now()
    for n in range(start, start + count):
        topic = n % len(TOPICS["ar"])
        fields = {}
        for language in ("ar", "fr", "en"):
            if language == "en" and n % 3 == 0:
                continue  # one in three has no English translation, as in a real archive
            fields[f"title_{language}"] = TITLES[language].format(n=n, topic=TOPICS[language][topic])
            fields[f"lead_{language}"] = PARAGRAPHS[language][0]
            fields[f"body_{language}"] = _body(language, n)
        status = Article.Status.DRAFT if n % 40 == 0 else Article.Status.PUBLISHED
        image = images[n % len(images)] if n % 5 else ""  # four in five have a picture
        yield Article(
            **fields,
            **_search_documents(fields),
            title=fields["title_ar"],
            lead=fields["lead_ar"],
            body=fields["body_ar"],
            slug=unicode_slug(fields["title_ar"]),
            category=categories[rng.randrange(len(categories))],
            byline="Load test",
            byline_ar="Load test",
            image=image,
            renditions_of=image,
            image_width=IMAGE_SIZE[0] if image else None,
            image_height=IMAGE_SIZE[1] if image else None,
            image_caption_ar="[صورة تجريبية]" if image else "",
            status=status,
            # One story every 17 minutes backwards: 100,000 of them cover about three years.
            published_at=now - datetime.timedelta(minutes=17 * (n - start) + rng.randrange(5)),
            is_featured=n % 97 == 0,
        )


def batched(iterable, size):
    iterator = iter(iterable)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


@load_data_generator("articles", order=10, help="fake articles, with translations, tags and images")
def generate_articles(count, context):
    real = Article.objects.exclude(category__slug__startswith=CATEGORY_SLUG_PREFIX).count()
    if real and not context.force:
        raise CommandError(
            f"This database holds {real} real articles; refusing to mix fake ones in (use --force)."
        )
    categories = load_test_categories()
    tags = load_test_tags()
    images = load_test_images()
    start = Article.objects.filter(category__slug__startswith=CATEGORY_SLUG_PREFIX).count() + 1
    made = 0
    for batch in batched(_articles(start, count, categories, images, context.random), context.batch_size):
        with transaction.atomic():
            created = Article.objects.bulk_create(batch)
            ArticleTag.objects.bulk_create(_tag_links(created, tags, context.random))
        made += len(batch)
        if made % (context.batch_size * 10) == 0:
            context.write(f"  articles: {made}/{count}")
    return made
