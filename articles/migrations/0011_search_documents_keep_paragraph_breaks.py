from django.db import migrations

from articles.sanitize import html_to_text
from articles.search import document

LANGUAGES = ("ar", "fr", "en")


def refill_search_documents(apps, schema_editor):
    # The documents were built with strip_tags, which glued the last word of each paragraph to
    # the first of the next: those words could not be found. Built again as Article.save() does.
    Article = apps.get_model("articles", "Article")
    fields = [f"search_{code}" for code in LANGUAGES]
    batch = []
    for article in Article.objects.order_by("pk").iterator(chunk_size=500):
        for code in LANGUAGES:
            title = getattr(article, f"title_{code}") or ""
            parts = [title, getattr(article, f"lead_{code}") or "", html_to_text(getattr(article, f"body_{code}"))]
            setattr(article, f"search_{code}", document(" ".join(parts)) if title else "")
        batch.append(article)
        if len(batch) == 500:
            Article.objects.bulk_update(batch, fields)
            batch = []
    if batch:
        Article.objects.bulk_update(batch, fields)


class Migration(migrations.Migration):
    dependencies = [("articles", "0010_byline_and_image_credit_per_language")]

    operations = [migrations.RunPython(refill_search_documents, migrations.RunPython.noop)]
