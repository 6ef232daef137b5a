"""Readers report approved comments; reports are counted once per reader and rate-limited."""

from comments.models import Comment


def test_report_page_asks_then_counts_the_report(client, make_article, make_comment):
    comment = make_comment(make_article(), body="تعليق مسيء")
    page = client.get(f"/comments/{comment.pk}/report/")
    assert page.status_code == 200
    assert "تعليق مسيء" in page.content.decode()
    assert Comment.objects.get(pk=comment.pk).report_count == 0
    response = client.post(f"/comments/{comment.pk}/report/", REMOTE_ADDR="203.0.113.5")
    assert response.status_code == 302
    assert Comment.objects.get(pk=comment.pk).report_count == 1
    assert "سيراجع المشرفون" in client.get(response.url).content.decode()


def test_one_reader_reporting_twice_counts_once(client, make_article, make_comment):
    comment = make_comment(make_article())
    for _ in range(3):
        client.post(f"/comments/{comment.pk}/report/", REMOTE_ADDR="203.0.113.5")
    client.post(f"/comments/{comment.pk}/report/", REMOTE_ADDR="198.51.100.5")
    assert Comment.objects.get(pk=comment.pk).report_count == 2


def test_reports_are_rate_limited_per_address(client, make_article, make_comment, settings):
    settings.COMMENTS_REPORT_LIMIT_IP = 3
    article = make_article()
    comments = [make_comment(article) for _ in range(5)]
    statuses = [
        client.post(f"/comments/{c.pk}/report/", REMOTE_ADDR="203.0.113.9").status_code for c in comments
    ]
    assert statuses == [302, 302, 302, 429, 429]
    assert sum(Comment.objects.values_list("report_count", flat=True)) == 3


def test_only_approved_comments_can_be_reported(client, make_article, make_comment):
    pending = make_comment(make_article(), status=Comment.Status.PENDING)
    assert client.get(f"/comments/{pending.pk}/report/").status_code == 404
    assert client.post(f"/comments/{pending.pk}/report/").status_code == 404


def test_report_form_needs_its_csrf_token(make_article, make_comment):
    from django.test import Client

    comment = make_comment(make_article())
    assert Client(enforce_csrf_checks=True).post(f"/comments/{comment.pk}/report/").status_code == 403
