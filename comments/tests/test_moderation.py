"""Moderation in the admin: the queue, bulk decisions, the Moderator group, privacy, the dashboard."""

import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group, User

from comments.models import Comment
from kawalis.readercache.testing import tag_versions

CHANGELIST = "/admin/comments/comment/"


@pytest.fixture
def moderator(db):
    user = User.objects.create_user("moderator", "mod@example.com", "moderator-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderator"))
    return user


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


def run_action(client, action, comments, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [c.pk for c in comments], **extra}
    return client.post(CHANGELIST, data)


def test_reader_flow_end_to_end(
    client, make_article, post_comment, moderator, django_capture_on_commit_callbacks
):
    article = make_article()
    response = post_comment(article, name="ليلى", body="تحليل دقيق، شكرا للكاتب")
    notice_page = client.get(response.url).content.decode()
    assert "تعليقك في انتظار المراجعة" in notice_page
    assert "تحليل دقيق" not in notice_page
    assert 'class="comments-count">(0)' in notice_page

    moderator_client = client.__class__()
    moderator_client.force_login(moderator)
    queue = moderator_client.get(CHANGELIST).content.decode()
    assert "تحليل دقيق" in queue
    with django_capture_on_commit_callbacks(execute=True):
        result = run_action(moderator_client, "approve", Comment.objects.all())
    assert result.status_code == 302

    page = client.get(article.get_absolute_url()).content.decode()
    assert "تحليل دقيق، شكرا للكاتب" in page
    assert 'شارك بتعليقك <span class="comments-count">(1)</span>' in page


def test_bulk_reject_and_spam_change_status_and_hide(moderator_client, make_article, make_comment, client):
    article = make_article()
    shown = make_comment(article, body="سيرفض")
    other = make_comment(article, body="مزعج")
    before = tag_versions(f"comments:{article.pk}")
    run_action(moderator_client, "reject", [shown])
    run_action(moderator_client, "mark_spam", [other])
    assert Comment.objects.get(pk=shown.pk).status == Comment.Status.REJECTED
    assert Comment.objects.get(pk=other.pk).status == Comment.Status.SPAM
    assert tag_versions(f"comments:{article.pk}") != before
    page = client.get(article.get_absolute_url()).content.decode()
    assert "سيرفض" not in page and "مزعج" not in page


def test_queue_lists_pending_first_with_article_excerpt_and_counts(
    moderator_client, make_article, make_comment
):
    article = make_article(title_ar="مقال الانتخابات")
    make_comment(article, body="قديم منشور")
    make_comment(article, body="ينتظر المراجعة", status=Comment.Status.PENDING)
    make_comment(article, body="مزعج", status=Comment.Status.SPAM)
    html = moderator_client.get(CHANGELIST).content.decode()
    assert html.index("ينتظر المراجعة") < html.index("قديم منشور")
    assert "مقال الانتخابات" in html
    assert "في انتظار المراجعة: <strong>1</strong>" in html
    assert "مقبول: <strong>1</strong>" in html
    assert "رسالة مزعجة: <strong>1</strong>" in html


def test_moderator_edits_the_text_of_an_approved_comment(moderator_client, make_article, make_comment):
    article = make_article()
    comment = make_comment(article, body="نص فيه رقم هاتف 0600000000")
    before = tag_versions(f"comments:{article.pk}")
    url = f"{CHANGELIST}{comment.pk}/change/"
    response = moderator_client.post(
        url, {"name": comment.name, "body": "نص بعد التحرير", "status": "approved", "notify_replies": ""}
    )
    assert response.status_code == 302
    assert Comment.objects.get(pk=comment.pk).body == "نص بعد التحرير"
    assert tag_versions(f"comments:{article.pk}") != before


def test_reported_comments_surface_in_the_queue(moderator_client, make_article, make_comment):
    article = make_article()
    make_comment(article, body="عادي")
    make_comment(article, body="مسيء", report_count=3)
    html = moderator_client.get(CHANGELIST, {"reported": "yes"}).content.decode()
    assert "مسيء" in html and "عادي" not in html
    full = moderator_client.get(CHANGELIST).content.decode()
    assert full.index("مسيء") < full.index("عادي")


def test_moderator_group_has_comment_rights_only(moderator_client, make_article):
    article = make_article()
    assert moderator_client.get(CHANGELIST).status_code == 200
    assert moderator_client.get("/admin/comments/blockedword/add/").status_code == 200
    assert moderator_client.get("/admin/articles/article/").status_code == 403
    assert moderator_client.get(f"/admin/articles/article/{article.pk}/change/").status_code == 403
    response = moderator_client.post(f"/admin/articles/article/{article.pk}/change/", {"title_ar": "x"})
    assert response.status_code == 403
    perms = {p.split(".")[0] for p in User.objects.get(username="moderator").get_all_permissions()}
    assert perms == {"comments"}


def _reporter():
    """Staff without comment rights: a Reporter (Editors moderate too, kawalis 0002_newsroom_roles)."""
    from django.contrib.auth.models import Group

    user = User.objects.create_user("reporter", "r@example.com", "reporter-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Reporter"))
    return user


def test_staff_without_comment_rights_cannot_moderate(client, make_article, make_comment):
    comment = make_comment(make_article(), status=Comment.Status.PENDING)
    client.force_login(_reporter())
    response = run_action(client, "approve", [comment])
    assert response.status_code == 403
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PENDING


def test_view_only_staff_cannot_run_the_approve_action(client, make_article, make_comment, db):
    from django.contrib.auth.models import Permission

    viewer = User.objects.create_user("viewer", "v@example.com", "viewer-pass-123", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_comment"))
    comment = make_comment(make_article(), status=Comment.Status.PENDING)
    client.force_login(viewer)
    run_action(client, "approve", [comment])
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.PENDING


def test_export_downloads_everything_stored_for_an_email(moderator_client, make_article, make_comment):
    first, second = make_article(), make_article()
    mine = make_comment(first, email="Nadia@Example.com", body="تعليقي الأول", ip_network="203.0.113.0/24")
    make_comment(second, email="nadia@example.com", body="تعليقي الثاني", status=Comment.Status.SPAM)
    make_comment(first, email="other@example.com", body="ليس لي")
    response = run_action(moderator_client, "export_for_email", [mine])
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["emails"] == ["nadia@example.com"]
    assert sorted(row["comment"] for row in data["comments"]) == ["تعليقي الأول", "تعليقي الثاني"]
    assert data["comments"][0]["network"] == "203.0.113.0/24"


def test_erase_asks_first_then_deletes_everything_for_an_email(moderator_client, make_article, make_comment):
    article = make_article()
    mine = make_comment(article, email="nadia@example.com")
    make_comment(article, email="NADIA@example.com", status=Comment.Status.PENDING)
    kept = make_comment(article, email="other@example.com")
    confirm = run_action(moderator_client, "erase_for_email", [mine])
    assert confirm.status_code == 200
    assert "nadia@example.com" in confirm.content.decode()
    assert Comment.objects.count() == 3
    before = tag_versions(f"comments:{article.pk}")
    done = run_action(moderator_client, "erase_for_email", [mine], confirm="yes")
    assert done.status_code == 302
    assert list(Comment.objects.all()) == [kept]
    assert tag_versions(f"comments:{article.pk}") != before


def test_admin_cannot_add_comments_in_a_readers_name(moderator_client):
    assert moderator_client.get(f"{CHANGELIST}add/").status_code == 403


def test_dashboard_shows_the_pending_count(moderator_client, make_article, make_comment):
    article = make_article()
    make_comment(article, status=Comment.Status.PENDING)
    make_comment(article, status=Comment.Status.PENDING)
    make_comment(article, report_count=1)
    html = moderator_client.get("/admin/").content.decode()
    assert "تعليقات للمراجعة" in html
    assert "في انتظار المراجعة: 2" in html
    assert "مُبلَّغ عنها: 1" in html
    assert f"{CHANGELIST}?status__exact=pending" in html


def test_dashboard_panel_is_hidden_without_comment_rights(client, db):
    client.force_login(_reporter())
    assert "تعليقات للمراجعة" not in client.get("/admin/").content.decode()


def test_an_editor_moderates_comments_too(client, make_article, make_comment, editor_user):
    comment = make_comment(make_article(), status=Comment.Status.PENDING)
    client.force_login(editor_user)
    assert "تعليقات للمراجعة" in client.get("/admin/").content.decode()
    run_action(client, "approve", [comment])
    assert Comment.objects.get(pk=comment.pk).status == Comment.Status.APPROVED


def test_deleting_visible_comments_in_the_admin_invalidates_reader_pages(
    moderator_client, make_article, make_comment
):
    article = make_article()
    one, two = make_comment(article), make_comment(article)
    before = tag_versions(f"comments:{article.pk}")
    moderator_client.post(f"{CHANGELIST}{one.pk}/delete/", {"post": "yes"})
    after_single = tag_versions(f"comments:{article.pk}")
    run_action(moderator_client, "delete_selected", [two], post="yes")
    assert before != after_single != tag_versions(f"comments:{article.pk}")
    assert Comment.objects.count() == 0


def test_rejecting_a_pending_comment_leaves_cached_pages_alone(make_article, make_comment):
    article = make_article()
    comment = make_comment(article, status=Comment.Status.PENDING)
    before = tag_versions(f"comments:{article.pk}")
    Comment.objects.filter(pk=comment.pk).set_status(Comment.Status.REJECTED)
    assert tag_versions(f"comments:{article.pk}") == before
