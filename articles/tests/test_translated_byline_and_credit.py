"""The byline and the image credit are written per language, the Arabic one standing in for a
missing translation; articles and revisions from before keep their Arabic values."""

import json

import pytest
import reversion
from django.core.files.base import ContentFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from articles.revisions import compare_with_current, restore_revision, revisions_of

from .image_files import photo_bytes

BEFORE = [("articles", "0010_stored_search_index")]
AFTER = [("articles", "0011_byline_and_image_credit_per_language")]


@pytest.fixture
def credited_article(make_article):
    article = make_article(
        title_fr="Un titre en français",
        body_fr="<p>Un texte.</p>",
        title_en="A title in English",
        body_en="<p>A text.</p>",
        byline_ar="هيئة التحرير",
        byline_fr="La rédaction",
        image_caption_ar="صورة توضيحية",
        image_credit_ar="وكالة المغرب العربي",
        image_credit_fr="Agence MAP",
    )
    article.image.save("photo.jpg", ContentFile(photo_bytes((800, 450))), save=True)
    return article


def test_french_page_shows_the_french_byline_and_credit(client, credited_article):
    html = client.get(f"/fr{credited_article.get_absolute_url()}").content.decode()

    assert '<span class="byline">La rédaction</span>' in html
    assert '<span class="credit">Agence MAP</span>' in html
    assert "هيئة التحرير" not in html
    assert "وكالة المغرب العربي" not in html


def test_arabic_page_shows_the_arabic_byline_and_credit(client, credited_article):
    html = client.get(credited_article.get_absolute_url()).content.decode()

    assert '<span class="byline">هيئة التحرير</span>' in html
    assert '<span class="credit">وكالة المغرب العربي</span>' in html


def test_an_untranslated_byline_and_credit_show_the_arabic_marked_as_arabic(client, credited_article):
    html = client.get(f"/en{credited_article.get_absolute_url()}").content.decode()

    assert '<span class="byline" lang="ar" dir="rtl">هيئة التحرير</span>' in html
    assert '<span class="credit" lang="ar" dir="rtl">وكالة المغرب العربي</span>' in html


def test_byline_and_credit_are_escaped(client, make_article):
    article = make_article(byline_ar="<b>كاتب</b>")

    html = client.get(article.get_absolute_url()).content.decode()

    assert "&lt;b&gt;كاتب&lt;/b&gt;" in html
    assert "<b>كاتب</b>" not in html


def test_article_admin_form_has_a_byline_and_a_credit_per_language(client, editor_user, db):
    client.force_login(editor_user)

    form = client.get("/admin/articles/article/add/").context["adminform"].form

    for name in ("byline", "image_credit"):
        assert {f"{name}_ar", f"{name}_fr", f"{name}_en"} <= set(form.fields), name
        assert name not in form.fields


def test_editing_the_french_byline_leaves_the_arabic_one(client, editor_user, credited_article):
    from articles.tests.admin_forms import article_form_data, change_url

    client.force_login(editor_user)
    data = article_form_data(
        credited_article.category,
        title_ar=credited_article.title_ar,
        title_fr=credited_article.title_fr,
        body_fr=credited_article.body_fr,
        byline_ar="هيئة التحرير",
        byline_fr="Notre correspondant",
    )

    response = client.post(change_url(credited_article), data)

    assert response.status_code == 302
    credited_article.refresh_from_db()
    assert (credited_article.byline_ar, credited_article.byline_fr) == ("هيئة التحرير", "Notre correspondant")


@pytest.mark.django_db(transaction=True)
def test_migration_keeps_each_articles_byline_and_credit_as_its_arabic_values():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old_apps = executor.loader.project_state(BEFORE).apps
        category = old_apps.get_model("articles", "Category").objects.create(name="وطني", slug="national")
        old_article = old_apps.get_model("articles", "Article").objects.create(
            title="عنوان", title_ar="عنوان", category=category, byline="سعيد", image_credit="MAP"
        )
        uncredited = old_apps.get_model("articles", "Article").objects.create(
            title="عنوان آخر", title_ar="عنوان آخر", category=category
        )

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new_apps = executor.loader.project_state(AFTER).apps
        migrated = new_apps.get_model("articles", "Article").objects.get(pk=old_article.pk)
        untouched = new_apps.get_model("articles", "Article").objects.get(pk=uncredited.pk)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert (migrated.byline_ar, migrated.image_credit_ar) == ("سعيد", "MAP")
    assert (migrated.byline_fr, migrated.byline_en, migrated.image_credit_fr) == (None, None, None)
    assert migrated.byline == "سعيد"  # the shared column keeps its value too
    assert (untouched.byline_ar or "", untouched.image_credit_ar or "") == ("", "")


def _as_saved_before_translation(version, byline, credit):
    """Rewrite a revision as one saved while the byline and credit were shared fields."""
    stored = json.loads(version.serialized_data)
    fields = stored[0]["fields"]
    for name, value in (("byline", byline), ("image_credit", credit)):
        for code in ("ar", "fr", "en"):
            fields.pop(f"{name}_{code}", None)
        fields[name] = value
    version.serialized_data = json.dumps(stored)
    version.save()
    return revisions_of(version.object).get(pk=version.pk)


def test_a_revision_from_before_restores_its_byline_and_credit_as_the_arabic_ones(make_article, editor_user):
    article = make_article(byline_ar="سعيد", image_credit_ar="MAP")
    with reversion.create_revision():
        article.save()
    old = _as_saved_before_translation(revisions_of(article).first(), "سعيد", "MAP")
    article.byline_ar, article.image_credit_ar = "كريم", "AFP"
    with reversion.create_revision():
        article.save()

    changes = compare_with_current(old, article)
    restore_revision(article, old, editor_user)

    article.refresh_from_db()
    assert (article.byline_ar, article.image_credit_ar) == ("سعيد", "MAP")
    arabic = next(section for section in changes if section["language"] == "ar")
    assert [str(field["label"]) for field in arabic["fields"]] == ["التوقيع", "مصدر الصورة"]
