"""Live entries in the reader's language: an Arabic text, with a French or English one where the
desk wrote it, and the Arabic (marked as such) on a page whose language an entry lacks."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from articles.models import LiveEntry

BEFORE = [("articles", "0021_embed_permissions")]
AFTER = [("articles", "0022_live_entry_translations")]


@pytest.fixture
def coverage(make_article):
    return make_article(
        title_ar="الانتخابات مباشرة",
        title_fr="Les élections en direct",
        title_en="The elections live",
        coverage_start=timezone.now() - timedelta(hours=1),
    )


def entry_block(html, entry):
    return re.search(rf'<li class="live-entry[^"]*" id="live-{entry.pk}".*?</li>', html, re.S).group(0)


def text_div(html, entry):
    return re.search(r'<div class="live-entry-text"[^>]*>', entry_block(html, entry)).group(0)


def test_each_language_shows_its_own_text_and_the_arabic_where_none(coverage):
    both = LiveEntry.objects.create(
        article=coverage, text_ar="<p>فتح مكاتب التصويت</p>", text_fr="<p>Ouverture des bureaux de vote</p>"
    )
    arabic_only = LiveEntry.objects.create(
        article=coverage, text_ar="<p>نسبة المشاركة</p>", is_key_point=True
    )

    arabic = Client().get(coverage.get_absolute_url()).content.decode()
    assert "فتح مكاتب التصويت" in arabic and "Ouverture" not in arabic
    assert text_div(arabic, both) == '<div class="live-entry-text" dir="auto">'

    french = Client().get(f"/fr{coverage.get_absolute_url()}").content.decode()
    assert "Ouverture des bureaux de vote" in entry_block(french, both)
    assert "فتح مكاتب التصويت" not in french
    assert text_div(french, both) == '<div class="live-entry-text" dir="auto">'
    # The Arabic stands in, said to be Arabic (one dir attribute, not two).
    assert "نسبة المشاركة" in entry_block(french, arabic_only)
    assert text_div(french, arabic_only) == '<div class="live-entry-text" lang="ar" dir="rtl">'
    key_point = re.search(r'<ul class="live-key-points-list">.*?</ul>', french, re.S).group(0)
    assert f'<a href="#live-{arabic_only.pk}" lang="ar" dir="rtl">' in key_point


def test_the_updates_answer_in_the_pages_language(coverage):
    entry = LiveEntry.objects.create(article=coverage, text_ar="<p>النتائج</p>", text_en="<p>The results</p>")
    english = Client().get(f"/en/live/{coverage.pk}/").content.decode()
    arabic = Client().get(f"/live/{coverage.pk}/").content.decode()
    assert "The results" in entry_block(english, entry) and "النتائج" not in english
    assert "النتائج" in entry_block(arabic, entry) and "The results" not in arabic


def test_every_language_is_sanitised_on_save_whatever_language_is_active(coverage):
    from django.utils import translation

    with translation.override("fr"):
        entry = LiveEntry.objects.create(
            article=coverage,
            text_ar='<p onclick="x()">نص</p><script>alert(1)</script>',
            text_fr="<p>texte<script>alert(2)</script></p>",
            text_en='<p><a href="javascript:alert(3)">text</a></p>',
        )
    entry.refresh_from_db()
    assert entry.text_ar == "<p>نص</p>"
    assert entry.text_fr == "<p>texte</p>"
    assert "javascript" not in entry.text_en and "text" in entry.text_en


def test_the_admin_form_asks_for_the_arabic_and_offers_the_translations(coverage, editor_user):
    client = Client()
    client.force_login(editor_user)
    form = client.get(f"/admin/articles/liveentry/add/?article={coverage.pk}").content.decode()
    for code in ("ar", "fr", "en"):
        assert f'name="text_{code}"' in form
    local = timezone.localtime()
    when = {"posted_at_0": local.strftime("%Y-%m-%d"), "posted_at_1": local.strftime("%H:%M:%S")}
    refused = client.post(
        "/admin/articles/liveentry/add/", {"article": coverage.pk, "text_fr": "<p>seul</p>", **when}
    )
    assert refused.status_code == 200 and not LiveEntry.objects.exists()
    assert "&lt;p&gt;seul&lt;/p&gt;</textarea>" in refused.content.decode()  # the French typed is kept
    posted = client.post(
        "/admin/articles/liveentry/add/",
        {"article": coverage.pk, "text_ar": "<p>عاجل</p>", "text_fr": "<p>Urgent</p>", **when},
    )
    assert posted.status_code == 302
    entry = LiveEntry.objects.get()
    assert (entry.text_ar, entry.text_fr, entry.text_en) == ("<p>عاجل</p>", "<p>Urgent</p>", None)


@pytest.mark.django_db(transaction=True)
def test_migration_makes_each_entry_and_its_history_arabic():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old_apps = executor.loader.project_state(BEFORE).apps
        category = old_apps.get_model("articles", "Category").objects.create(name="وطني", slug="national")
        article = old_apps.get_model("articles", "Article").objects.create(
            title="عنوان", title_ar="عنوان", category=category, coverage_start=timezone.now()
        )
        entry = old_apps.get_model("articles", "LiveEntry").objects.create(
            article=article, text="<p>قبل الترجمة</p>", posted_at=timezone.now()
        )
        content_type = old_apps.get_model("contenttypes", "ContentType").objects.get_or_create(
            app_label="articles", model="liveentry"
        )[0]
        revision = old_apps.get_model("reversion", "Revision").objects.create(
            date_created=timezone.now(), comment=""
        )
        old_apps.get_model("reversion", "Version").objects.create(
            revision=revision,
            object_id=str(entry.pk),
            content_type=content_type,
            db="default",
            format="json",
            serialized_data=(
                f'[{{"model": "articles.liveentry", "pk": {entry.pk}, '
                f'"fields": {{"article": {article.pk}, "text": "<p>النص القديم</p>"}}}}]'
            ),
            object_repr="entry",
        )

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new_apps = executor.loader.project_state(AFTER).apps
        migrated = new_apps.get_model("articles", "LiveEntry").objects.get(pk=entry.pk)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert (migrated.text_ar, migrated.text_fr, migrated.text_en) == ("<p>قبل الترجمة</p>", None, None)
    version = Version.objects.get(object_id=str(entry.pk))
    assert version.field_dict["text_ar"] == "<p>النص القديم</p>"
