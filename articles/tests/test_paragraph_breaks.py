"""Paragraphs of a body stay apart as text: in search, in summaries and in descriptions."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.models import Article
from articles.sanitize import plain_text
from articles.search import query_terms

TWO_PARAGRAPHS = "<p>افتتاح الدورة</p><p>مراكش تستقبل المؤتمر &amp; الوفود</p>"


def test_plain_text_keeps_words_of_adjacent_blocks_apart():
    assert plain_text(TWO_PARAGRAPHS) == "افتتاح الدورة مراكش تستقبل المؤتمر & الوفود"
    assert plain_text("<p>un<br>deux</p><ul><li>trois</li><li>quatre</li></ul>") == "un deux trois quatre"


def test_the_first_word_of_a_later_paragraph_is_found(make_article):
    article = make_article(body_ar=TWO_PARAGRAPHS)

    assert list(Article.objects.published().search(query_terms("مراكش"), "ar")) == [article]


def test_the_summary_reads_across_paragraphs_as_text(make_article):
    article = make_article(lead_ar="", body_ar=TWO_PARAGRAPHS)

    assert article.summary == "افتتاح الدورة مراكش تستقبل المؤتمر & الوفود"


def test_the_description_from_the_body_is_escaped_once(client, make_article):
    article = make_article(lead_ar="", body_ar=TWO_PARAGRAPHS)

    html = client.get(article.get_absolute_url()).content.decode()

    assert '<meta name="description" content="افتتاح الدورة مراكش تستقبل المؤتمر &amp; الوفود">' in html


@pytest.mark.django_db(transaction=True)
def test_migration_builds_the_stored_search_documents_again():
    before = [("articles", "0009_article_renditions_of")]
    after = [("articles", "0010_stored_search_index")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old_apps = executor.loader.project_state(before).apps
        category = old_apps.get_model("articles", "Category").objects.create(name="وطني", slug="national")
        stored = old_apps.get_model("articles", "Article").objects.create(
            title="عنوان",
            title_ar="عنوان",
            body_ar=TWO_PARAGRAPHS,
            category=category,
            search_ar=" عنوان افتتاح الدوره مراكش",  # as built before: "الدورة" and "مراكش" glued
        )
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        rebuilt = (
            executor.loader.project_state(after)
            .apps.get_model("articles", "Article")
            .objects.get(pk=stored.pk)
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert " مراكش " in rebuilt.search_ar
    assert rebuilt.search_fr == rebuilt.search_en == ""
