"""Indexes that let the sitemaps count and page through each translation's published articles,
and find the latest change, without reading the rows of the archive."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('articles', '0014_article_lists_indexes_with_number'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='article',
            index=models.Index(condition=models.Q(models.Q(('title_fr__isnull', True), _negated=True), models.Q(('title_fr', ''), _negated=True)), fields=['status', 'published_at', 'id'], name='article_published_fr_idx'),
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(condition=models.Q(models.Q(('title_en__isnull', True), _negated=True), models.Q(('title_en', ''), _negated=True)), fields=['status', 'published_at', 'id'], name='article_published_en_idx'),
        ),
        migrations.AddIndex(
            model_name='article',
            index=models.Index(fields=['updated_at'], name='article_updated_idx'),
        ),
    ]
