"""Roles and review: a Reporter writes and submits, never publishes by any route; an Editor
returns with a note or publishes; the queue, the e-mail to editors, the history."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Group, User
from django.utils import timezone, translation
from django.utils.translation import gettext

from articles.models import Article
from articles.revisions import revisions_of

from .admin_forms import ADD_URL, CHANGELIST_URL, article_form_data, change_url


@pytest.fixture
def reporter(db):
    user = User.objects.create_user("reporter", "reporter@example.com", "pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Reporter"))
    return user


def posted(article, **fields):
    return article_form_data(
        article.category,
        published_at=article.published_at,
        title_ar=article.title_ar,
        slug=article.slug,
        body_ar=article.body_ar,
        **fields,
    )


def in_arabic(message):
    with translation.override("ar"):
        return gettext(message)


def test_groups_exist_after_migrate_with_their_rights(db):
    def rights(name):
        return {
            f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=name).permissions.all()
        }

    reporter, editor, moderator, admin = (
        rights(n) for n in ("Reporter", "Editor", "Moderator", "Administrator")
    )
    assert {"articles.add_article", "articles.change_article", "articles.view_article"} <= reporter
    assert "articles.publish_article" not in reporter and "articles.delete_article" not in reporter
    assert {"articles.publish_article", "comments.change_comment", "comments.view_comment"} <= editor
    assert not any(name.startswith("articles.") for name in moderator)
    assert {"articles.publish_article", "auth.change_user", "auth.change_group"} <= admin


def test_an_editor_opens_the_comments_without_being_a_moderator(client, editor_user):
    client.force_login(editor_user)
    assert client.get("/admin/comments/comment/").status_code == 200


def test_reporter_form_offers_draft_and_review_only_and_no_publication_controls(
    client, reporter, make_category
):
    make_category()
    client.force_login(reporter)
    html = client.get(ADD_URL).content.decode()
    assert 'value="draft"' in html and 'value="review"' in html
    assert 'value="published"' not in html
    assert 'name="published_at_0"' not in html and 'name="unpublish_at_0"' not in html
    assert 'name="is_featured"' not in html


def test_reporter_cannot_publish_through_the_add_form(client, reporter, make_category):
    client.force_login(reporter)
    response = client.post(ADD_URL, article_form_data(make_category(), status="published"))
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors
    assert not Article.objects.exists()


def test_reporter_cannot_publish_through_the_change_form(client, reporter, make_article):
    draft = make_article(status=Article.Status.DRAFT)
    client.force_login(reporter)
    response = client.post(change_url(draft), posted(draft, status="published"))
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == Article.Status.DRAFT


def test_reporter_posting_a_publication_or_expiry_time_changes_neither(client, reporter, make_article):
    draft = make_article(status=Article.Status.DRAFT)
    before = draft.published_at
    later = timezone.localtime(timezone.now() + datetime.timedelta(days=2))
    client.force_login(reporter)
    data = posted(draft, status="review")
    data.update(
        published_at_0=later.strftime("%Y-%m-%d"),
        published_at_1="10:00:00",
        unpublish_at_0=later.strftime("%Y-%m-%d"),
        unpublish_at_1="12:00:00",
        is_featured="on",
    )
    assert client.post(change_url(draft), data).status_code == 302
    draft.refresh_from_db()
    assert (draft.status, draft.published_at, draft.unpublish_at, draft.is_featured) == (
        Article.Status.REVIEW,
        before,
        None,
        False,
    )


@pytest.mark.parametrize("action", ["publish", "unpublish"])
def test_reporter_cannot_run_the_publishing_actions(client, reporter, make_article, action):
    draft = make_article(status=Article.Status.DRAFT)
    live = make_article()
    client.force_login(reporter)
    assert f'value="{action}"' not in client.get(CHANGELIST_URL).content.decode()
    client.post(CHANGELIST_URL, {"action": action, "_selected_action": [draft.pk, live.pk]})
    assert Article.objects.get(pk=draft.pk).status == Article.Status.DRAFT
    assert Article.objects.get(pk=live.pk).status == Article.Status.PUBLISHED


def test_reporter_publish_action_called_directly_is_refused(rf, reporter, make_article):
    from django.contrib.admin.sites import site
    from django.core.exceptions import PermissionDenied

    from articles.admin import ArticleAdmin

    draft = make_article(status=Article.Status.DRAFT)
    request = rf.post(CHANGELIST_URL)
    request.user = reporter
    with pytest.raises(PermissionDenied):
        ArticleAdmin(Article, site).publish(request, Article.objects.filter(pk=draft.pk))
    assert Article.objects.get(pk=draft.pk).status == Article.Status.DRAFT


def test_reporter_list_edit_post_changes_no_state(client, reporter, make_article):
    draft = make_article(status=Article.Status.DRAFT)
    client.force_login(reporter)
    client.post(
        CHANGELIST_URL,
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(draft.pk),
            "form-0-status": "published",
            "form-0-published_at": "2026-01-01 10:00",
            "_save": "Save",
        },
    )
    assert Article.objects.get(pk=draft.pk).status == Article.Status.DRAFT


def test_reporter_may_view_but_not_change_delete_or_restore_a_published_story(client, reporter, make_article):
    live = make_article()
    client.force_login(reporter)
    page = client.get(change_url(live))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post(change_url(live), posted(live, status="draft")).status_code == 403
    assert client.post(f"/admin/articles/article/{live.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/articles/article/{live.pk}/revisions/1/restore/").status_code in {403, 404}
    live.refresh_from_db()
    assert live.status == Article.Status.PUBLISHED


def test_reporter_submits_for_review_and_the_history_says_who_and_with_what_note(
    client, reporter, make_article
):
    draft = make_article(status=Article.Status.DRAFT)
    client.force_login(reporter)
    response = client.post(change_url(draft), posted(draft, status="review", note="جاهز للمراجعة"))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Article.Status.REVIEW
    revision = revisions_of(draft).first().revision
    assert revision.user == reporter
    assert in_arabic("Submitted for review.") in revision.get_comment()
    assert "جاهز للمراجعة" in revision.get_comment()


def test_submit_action_sends_drafts_to_review(client, reporter, make_article):
    draft = make_article(status=Article.Status.DRAFT)
    client.force_login(reporter)
    client.post(CHANGELIST_URL, {"action": "submit_for_review", "_selected_action": [draft.pk]})
    assert Article.objects.get(pk=draft.pk).status == Article.Status.REVIEW


def test_editor_returns_with_a_required_note_that_the_reporter_then_reads(
    client, editor_user, reporter, make_article
):
    waiting = make_article(status=Article.Status.REVIEW)
    client.force_login(editor_user)
    refused = client.post(change_url(waiting), posted(waiting, status="draft"))
    assert refused.status_code == 200 and "note" in refused.context["adminform"].form.errors
    assert Article.objects.get(pk=waiting.pk).status == Article.Status.REVIEW

    assert (
        client.post(change_url(waiting), posted(waiting, status="draft", note="المصدر الثاني؟")).status_code
        == 302
    )
    waiting.refresh_from_db()
    assert (waiting.status, waiting.review_note) == (Article.Status.DRAFT, "المصدر الثاني؟")
    revision = revisions_of(waiting).first().revision
    assert revision.user == editor_user
    assert in_arabic("Returned to the writer.") in revision.get_comment()
    assert "المصدر الثاني؟" in revision.get_comment()

    client.force_login(reporter)
    assert "المصدر الثاني؟" in client.get(change_url(waiting)).content.decode()
    assert in_arabic("Returned with a note") in client.get(CHANGELIST_URL).content.decode()


def test_editor_publishes_from_review(client, editor_user, make_article):
    waiting = make_article(
        status=Article.Status.REVIEW, published_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    Article.objects.filter(pk=waiting.pk).update(review_note="قديمة")
    waiting.refresh_from_db()
    client.force_login(editor_user)
    assert client.post(change_url(waiting), posted(waiting, status="published")).status_code == 302
    waiting.refresh_from_db()
    assert waiting.is_published and waiting.review_note == ""
    assert in_arabic("Published.") in revisions_of(waiting).first().revision.get_comment()
    assert client.get(waiting.get_absolute_url()).status_code == 200


def test_editor_publish_action_takes_articles_in_review(client, editor_user, make_article):
    waiting = make_article(status=Article.Status.REVIEW)
    client.force_login(editor_user)
    client.post(CHANGELIST_URL, {"action": "publish", "_selected_action": [waiting.pk]})
    assert Article.objects.get(pk=waiting.pk).is_published


def test_review_queue_on_the_dashboard_for_editors_only(client, editor_user, reporter, make_article):
    make_article(title_ar="تقرير ينتظر المحرر", status=Article.Status.REVIEW)
    client.force_login(editor_user)
    html = client.get("/admin/").content.decode()
    assert 'id="review-queue"' in html and "تقرير ينتظر المحرر" in html
    client.force_login(reporter)
    assert 'id="review-queue"' not in client.get("/admin/").content.decode()


def test_editors_get_one_email_after_commit_then_none_for_a_quarter_hour(
    client, reporter, editor_user, make_article, smtp_sink, django_capture_on_commit_callbacks, settings
):
    first = make_article(title_ar="الأول للمراجعة", status=Article.Status.DRAFT)
    second = make_article(title_ar="الثاني للمراجعة", status=Article.Status.DRAFT)
    third = make_article(title_ar="الثالث للمراجعة", status=Article.Status.DRAFT)
    client.force_login(reporter)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            client.post(change_url(first), posted(first, status="review"))
        assert smtp_sink.messages == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert smtp_sink.wait_for(1)
        message = smtp_sink.messages[0]
        assert message["To"] == "editor@example.com"
        assert "الأول للمراجعة" in message.get_content()
        assert "/admin/articles/article/?state=review" in message.get_content()

        with django_capture_on_commit_callbacks(execute=True):
            client.post(change_url(second), posted(second, status="review"))
        assert len(smtp_sink.messages) == 1  # within the quarter hour: no second e-mail

        if "redis" in settings.CACHES["default"]["BACKEND"]:
            return  # Redis expires the mark by its own clock, which a frozen clock cannot move
        clock.shift(16 * 60)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(change_url(third), posted(third, status="review"))
        assert smtp_sink.wait_for(2)
        assert "الثالث للمراجعة" in smtp_sink.messages[1].get_content()
