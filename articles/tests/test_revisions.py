"""Article revisions: one per admin save in every language, readable diffs, safe restores."""

import re

import pytest
import reversion
from django.contrib.admin.models import LogEntry
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, Category
from articles.revisions import revisions_of

pytestmark = pytest.mark.django_db


def _bound_field_data(bound_field):
    widget = bound_field.field.widget
    while isinstance(widget, RelatedFieldWidgetWrapper):
        widget = widget.widget
    context = widget.get_context(bound_field.html_name, bound_field.value(), {})["widget"]
    data = {}
    for sub in context.get("subwidgets") or [context]:
        value = sub["value"]
        if sub.get("type") == "file":
            continue
        if sub.get("type") == "checkbox":
            if sub["attrs"].get("checked"):
                data[sub["name"]] = "on"
        elif isinstance(value, list | tuple):
            data[sub["name"]] = [str(item) for item in value if item not in (None, "")]
        elif value is not None:
            data[sub["name"]] = value
    return data


def change_form_data(response):
    """What the admin's change form would post back unchanged (main form and inlines)."""
    data = {}
    for bound_field in response.context["adminform"].form:
        data.update(_bound_field_data(bound_field))
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for bound_field in formset.management_form:
            data[bound_field.html_name] = bound_field.value()
        for form in formset.forms:
            for bound_field in form:
                data.update(_bound_field_data(bound_field))
    return data


def edit_in_admin(client, article, **changes):
    url = f"/admin/articles/article/{article.pk}/change/"
    data = change_form_data(client.get(url))
    data.update(changes)
    return client.post(url, data)


def save_revision(article, user=None, **changes):
    """Save ``article`` with ``changes`` as the admin does: inside a revision."""
    for name, value in changes.items():
        setattr(article, name, value)
    with reversion.create_revision():
        article.save()
        if user:
            reversion.set_user(user)
    return revisions_of(article).first()


@pytest.fixture
def editor_client(client, editor_user):
    client.force_login(editor_user)
    return client


def test_each_admin_save_keeps_a_revision_with_every_language(editor_client, editor_user, make_article):
    article = make_article(title_ar="العنوان الأول", title_fr="Premier titre", title_en="First title")

    first = edit_in_admin(editor_client, article, title_fr="Titre corrigé")
    second = edit_in_admin(editor_client, article, title_en="Corrected title", body_ar="<p>نص جديد</p>")

    assert first.status_code == second.status_code == 302
    newest, older = revisions_of(article)
    assert (older.field_dict["title_ar"], older.field_dict["title_fr"], older.field_dict["title_en"]) == (
        "العنوان الأول",
        "Titre corrigé",
        "First title",
    )
    assert newest.field_dict["title_en"] == "Corrected title"
    assert newest.field_dict["body_ar"] == "<p>نص جديد</p>"
    assert newest.revision.user == editor_user
    # The revision says what changed, as the admin's history does.
    entry = LogEntry.objects.filter(object_id=str(article.pk)).latest("action_time")
    assert newest.revision.get_comment() == entry.get_change_message() != ""


def test_an_invalid_admin_save_keeps_no_revision(editor_client, make_article):
    article = make_article()

    response = edit_in_admin(editor_client, article, title_ar="")

    assert response.status_code == 200
    assert revisions_of(article).count() == 0


def test_history_page_lists_revisions_newest_first(editor_client, editor_user, make_article):
    article = make_article()
    save_revision(article, editor_user, title_ar="نسخة أولى")
    save_revision(article, editor_user, title_ar="نسخة ثانية")

    html = editor_client.get(f"/en/admin/articles/article/{article.pk}/history/").content.decode()

    assert html.count('name="old"') == 2
    assert "editor" in html
    assert "Compare the chosen revisions" in html


def test_diff_shows_the_changed_words_per_language_escaped(editor_client, make_article):
    article = make_article(title_fr="Le ministre annonce")
    old = save_revision(article, body_ar="<p>قال الوزير إن المشروع سينطلق غدا</p>")
    new = save_revision(
        article,
        title_fr="Le ministre de l'Équipement annonce",
        # Text that reads as a tag once the HTML is turned back into words: it must stay text.
        body_ar="<p>قال الوزير إن المشروع تأجل</p><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
    )

    response = editor_client.get(
        f"/en/admin/articles/article/{article.pk}/revisions/compare/", {"old": old.pk, "new": new.pk}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert '<del class="diff-removed">سينطلق غدا</del>' in html
    assert '<ins class="diff-added">تأجل' in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "de l&#x27;Équipement" in html
    assert "<script>alert(1)" not in html
    assert 'class="revision-section" lang="ar"' in html
    assert 'class="revision-section" lang="fr"' in html
    assert 'class="revision-section" lang="en"' not in html  # nothing changed in English
    # The diff's colours come from a <style> the Content Security Policy lets through.
    nonce = re.search(r'<style nonce="([^"]+)">', html).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]


@pytest.mark.parametrize("query", [{}, {"old": "abc", "new": "1"}, {"old": "999999", "new": "999998"}])
def test_comparing_without_two_revisions_of_the_article_explains_what_to_do(
    editor_client, make_article, query
):
    article = make_article()
    save_revision(article)

    response = editor_client.get(
        f"/en/admin/articles/article/{article.pk}/revisions/compare/", query, follow=True
    )

    assert response.status_code == 200
    assert "Choose two different revisions" in response.content.decode()


def test_restore_brings_back_every_language_as_a_new_revision(editor_client, editor_user, make_article):
    article = make_article(
        title_ar="عنوان أصلي",
        title_fr="Titre original",
        title_en="Original title",
        body_fr="<p>Texte original</p>",
    )
    original = save_revision(article, editor_user)
    save_revision(
        article,
        editor_user,
        title_ar="عنوان معدل",
        title_fr="Titre modifié",
        title_en="Changed title",
        body_fr="<p>Texte modifié</p>",
    )

    response = editor_client.post(f"/admin/articles/article/{article.pk}/revisions/{original.pk}/restore/")

    assert response.status_code == 302
    article = Article.objects.get(pk=article.pk)
    assert (article.title_ar, article.title_fr, article.title_en) == (
        "عنوان أصلي",
        "Titre original",
        "Original title",
    )
    assert article.body_fr == "<p>Texte original</p>"
    assert article.status == Article.Status.PUBLISHED
    versions = list(revisions_of(article))
    assert len(versions) == 3  # the two saves are kept; the restore is the newest
    assert versions[0].field_dict["title_fr"] == "Titre original"
    assert versions[1].field_dict["title_fr"] == "Titre modifié"
    # Readers see the restored title.
    assert "عنوان أصلي" in editor_client.get(article.get_absolute_url()).content.decode()


def test_restore_keeps_a_state_that_no_revision_held(editor_client, editor_user, make_article):
    article = make_article(title_ar="قبل")
    old = save_revision(article, editor_user)
    article.title_ar = "تعديل من خارج لوحة الإدارة"
    article.save()  # e.g. an import script: no revision

    editor_client.post(f"/admin/articles/article/{article.pk}/revisions/{old.pk}/restore/")

    titles = [version.field_dict["title_ar"] for version in revisions_of(article)]
    assert titles == ["قبل", "تعديل من خارج لوحة الإدارة", "قبل"]


def test_restore_does_not_change_publication(editor_client, editor_user, make_article):
    article = make_article(status=Article.Status.DRAFT)
    old = save_revision(article, editor_user)
    save_revision(article, editor_user, status=Article.Status.PUBLISHED)

    editor_client.post(f"/admin/articles/article/{article.pk}/revisions/{old.pk}/restore/")

    assert Article.objects.get(pk=article.pk).status == Article.Status.PUBLISHED


def test_restoring_a_revision_whose_category_was_deleted_explains_and_loses_nothing(
    editor_client, editor_user, make_article, make_category
):
    old_category = make_category()
    article = make_article(category=old_category, title_ar="نسخة قديمة")
    old = save_revision(article, editor_user)
    save_revision(article, editor_user, category=make_category(), title_ar="نسخة حالية")
    old_category.delete()

    page = editor_client.get(f"/en/admin/articles/article/{article.pk}/revisions/{old.pk}/restore/")
    response = editor_client.post(
        f"/en/admin/articles/article/{article.pk}/revisions/{old.pk}/restore/", follow=True
    )

    assert page.status_code == 200
    assert "deleted category" in page.content.decode()
    assert response.status_code == 200
    assert "category that has since been deleted" in response.content.decode()
    article.refresh_from_db()
    assert article.title_ar == "نسخة حالية"
    assert revisions_of(article).count() == 2
    assert not Category.objects.filter(pk=old_category.pk).exists()


def test_restore_needs_the_change_permission(client, editor_user, make_article):
    article = make_article()
    old = save_revision(article, editor_user, title_ar="قديم")
    save_revision(article, editor_user, title_ar="جديد")
    viewer = User.objects.create_user("viewer", password="viewer-pass-123", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    client.force_login(viewer)

    history = client.get(f"/admin/articles/article/{article.pk}/history/")
    response = client.post(f"/admin/articles/article/{article.pk}/revisions/{old.pk}/restore/")

    assert history.status_code == 200
    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).title_ar == "جديد"


def test_a_revision_of_another_article_cannot_be_restored_here(editor_client, editor_user, make_article):
    article, other = make_article(), make_article()
    foreign = save_revision(other, editor_user)

    response = editor_client.post(f"/admin/articles/article/{article.pk}/revisions/{foreign.pk}/restore/")

    assert response.status_code == 404


def test_reading_an_article_does_no_revision_work(client, editor_user, make_article):
    article = make_article()
    save_revision(article, editor_user)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert not [query for query in queries.captured_queries if "reversion" in query["sql"]]


def test_a_bulk_publish_keeps_a_revision_of_each_article(editor_client, editor_user, make_article):
    first, second = make_article(status=Article.Status.DRAFT), make_article(status=Article.Status.DRAFT)

    editor_client.post(
        "/en/admin/articles/article/", {"action": "publish", "_selected_action": [first.pk, second.pk]}
    )

    for article in (first, second):
        version = revisions_of(article).get()
        assert version.field_dict["status"] == Article.Status.PUBLISHED
        assert version.revision.user == editor_user
        assert version.revision.get_comment() == "Publish the selected articles"
