"""The publication indexes end with the article's number, the lists' last sort key: the newest
articles, in the order readers see them, are read down the index without a sort (home, sections,
the search's newest candidates, the sitemaps' pages)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0013_redirect"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="article",
            name="article_published_idx",
        ),
        migrations.RemoveIndex(
            model_name="article",
            name="article_category_idx",
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(fields=["status", "published_at", "id"], name="article_published_idx"),
        ),
        migrations.AddIndex(
            model_name="article",
            index=models.Index(
                fields=["category", "status", "published_at", "id"], name="article_category_idx"
            ),
        ),
    ]
