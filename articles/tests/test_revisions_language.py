"""The revision history in the newsroom's language: field names, the author's name, local times."""

import datetime

import time_machine
from django.utils import formats, timezone

from articles.models import Article
from articles.revisions import revisions_of
from articles.tests.test_revisions import edit_in_admin, editor_client, save_revision  # noqa: F401


def test_the_history_names_changed_fields_in_arabic(editor_client, make_article):  # noqa: F811
    article = make_article(title_ar="عنوان أول")

    edit_in_admin(editor_client, article, title_ar="عنوان ثان")

    comment = revisions_of(article).first().revision.get_comment()
    assert comment.startswith("تم تغيير العنوان [ar]")
    assert "Title" not in comment


def test_the_history_shows_the_authors_full_name(editor_client, editor_user, make_article):  # noqa: F811
    editor_user.first_name, editor_user.last_name = "سعاد", "العلوي"
    editor_user.save()
    article = make_article()
    save_revision(article, editor_user, title_ar="عنوان جديد")

    html = editor_client.get(f"/admin/articles/article/{article.pk}/history/").content.decode()

    assert "سعاد العلوي" in html


def test_a_restore_says_the_time_as_the_list_does(editor_client, editor_user, make_article):  # noqa: F811
    article = make_article(title_ar="عنوان أصلي")
    saved_at = timezone.make_aware(datetime.datetime(2026, 12, 2, 21, 13), timezone.get_default_timezone())
    with time_machine.travel(saved_at, tick=False):
        original = save_revision(article, editor_user)
    save_revision(article, editor_user, title_ar="عنوان معدل")

    editor_client.post(f"/admin/articles/article/{article.pk}/revisions/{original.pk}/restore/")

    comment = revisions_of(Article.objects.get(pk=article.pk)).first().revision.get_comment()
    listed = formats.date_format(timezone.localtime(original.revision.date_created), "DATETIME_FORMAT")
    assert listed == "2 دجنبر 2026 - 21:13"
    assert listed in comment
    assert "UTC" not in comment
