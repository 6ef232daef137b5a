"""E-mails: replies to a reader who asked for them (real SMTP to the sink), moderators' alert."""

import re

from comments.models import Comment
from comments.notifications import notify_moderators, notify_reply


def _reply_pair(make_article, make_comment, **parent_fields):
    article = make_article(title_ar="مقال النقاش")
    parent_fields.setdefault("notify_replies", True)
    parent = make_comment(article, email="parent@example.com", name="سلمى", **parent_fields)
    reply = make_comment(
        article,
        parent=parent,
        email="replier@example.com",
        name="كريم",
        body="أوافقك الرأي",
        status=Comment.Status.PENDING,
    )
    return parent, reply


def test_approved_reply_emails_the_parent_author_once(
    make_article, make_comment, smtp_sink, django_capture_on_commit_callbacks
):
    _parent, reply = _reply_pair(make_article, make_comment)
    with django_capture_on_commit_callbacks(execute=True):
        Comment.objects.filter(pk=reply.pk).set_status(Comment.Status.APPROVED)
    assert smtp_sink.wait_for(1)
    message = smtp_sink.messages[0]
    assert message["To"] == "parent@example.com"
    assert "مقال النقاش" in message["Subject"]
    body = message.get_content()
    assert "كريم" in body and "أوافقك الرأي" in body
    assert f"#comment-{reply.pk}" in body
    assert str(message["List-Unsubscribe"]).strip().startswith("<http")
    # Approving again (or another approval path) does not send it twice.
    reply.refresh_from_db()
    assert notify_reply(reply) is False
    assert len(smtp_sink.messages) == 1


def test_no_email_when_the_parent_did_not_ask(make_article, make_comment, smtp_sink):
    _parent, reply = _reply_pair(make_article, make_comment, notify_replies=False)
    reply.status = Comment.Status.APPROVED
    assert notify_reply(reply) is False
    assert smtp_sink.messages == []


def test_no_email_for_a_reply_that_is_not_approved(make_article, make_comment, smtp_sink):
    _parent, reply = _reply_pair(make_article, make_comment)
    assert notify_reply(reply) is False
    assert smtp_sink.messages == []


def test_unsubscribe_link_from_the_email_stops_reply_emails(
    client, make_article, make_comment, smtp_sink, django_capture_on_commit_callbacks
):
    parent, reply = _reply_pair(make_article, make_comment)
    with django_capture_on_commit_callbacks(execute=True):
        Comment.objects.filter(pk=reply.pk).set_status(Comment.Status.APPROVED)
    link = re.search(r"https?://\S+/comments/unsubscribe/\S+/", smtp_sink.messages[0].get_content()).group(0)
    path = "/" + link.split("/", 3)[3]
    page = client.get(path)
    assert page.status_code == 200
    assert Comment.objects.get(pk=parent.pk).notify_replies is True  # GET only asks
    done = client.post(path)
    assert "لن تصلك بعد الآن" in done.content.decode()
    assert Comment.objects.get(pk=parent.pk).notify_replies is False


def test_forged_unsubscribe_link_is_a_clear_404(client, db):
    response = client.get("/comments/unsubscribe/forged-token/")
    assert response.status_code == 404
    assert "هذا الرابط غير صالح" in response.content.decode()


def test_unreachable_mail_server_does_not_break_approval(
    make_article, make_comment, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    _parent, reply = _reply_pair(make_article, make_comment)
    with django_capture_on_commit_callbacks(execute=True):
        changed = Comment.objects.filter(pk=reply.pk).set_status(Comment.Status.APPROVED)
    assert changed == 1
    assert Comment.objects.get(pk=reply.pk).status == Comment.Status.APPROVED


def test_moderators_are_told_when_comments_wait_at_most_every_quarter_hour(
    make_article, post_comment, settings, smtp_sink
):
    settings.COMMENTS_MODERATOR_EMAILS = ["desk@example.com"]
    article = make_article()
    post_comment(article, body="أول")
    post_comment(article, body="ثان", email="other@example.com")
    assert smtp_sink.wait_for(1)
    assert len(smtp_sink.messages) == 1
    message = smtp_sink.messages[0]
    assert message["To"] == "desk@example.com"
    assert "/admin/comments/comment/?status__exact=pending" in message.get_content()


def test_no_moderator_email_without_the_setting(db, settings, smtp_sink):
    settings.COMMENTS_MODERATOR_EMAILS = []
    assert notify_moderators() is False
    assert smtp_sink.messages == []


def test_post_moderated_reply_emails_the_parent_when_posted(
    make_article, make_comment, post_comment, settings, smtp_sink, django_capture_on_commit_callbacks
):
    settings.COMMENTS_POST_MODERATION = True
    article = make_article()
    parent = make_comment(article, email="asker@example.com", notify_replies=True)
    with django_capture_on_commit_callbacks(execute=True):
        post_comment(article, parent=str(parent.pk), body="جواب فوري")
    assert smtp_sink.wait_for(1)
    assert smtp_sink.messages[0]["To"] == "asker@example.com"


def test_a_burst_of_comments_queues_one_moderator_notice(make_article, post_comment, settings):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.COMMENTS_MODERATOR_EMAILS = ["desk@example.com"]
    article = make_article()
    for n in range(5):
        post_comment(article, body=f"تعليق {n}", email=f"r{n}@example.com")
    assert Comment.objects.count() == 5
    assert DBTaskResult.objects.filter(task_path__endswith="send_moderator_notice").count() == 1
