"""purge_comments: old spam goes, old network facts are forgotten, visible comments stay."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from comments.models import Comment


def days_ago(days):
    return timezone.now() - timezone.timedelta(days=days)


def test_purge_deletes_old_hidden_comments_and_clears_old_networks(make_article, make_comment):
    article = make_article()
    old_spam = make_comment(article, status=Comment.Status.SPAM, created_at=days_ago(40))
    old_rejected = make_comment(article, status=Comment.Status.REJECTED, created_at=days_ago(40))
    recent_spam = make_comment(article, status=Comment.Status.SPAM, created_at=days_ago(5))
    old_approved = make_comment(
        article, created_at=days_ago(200), ip_network="203.0.113.0/24", user_agent="Firefox"
    )
    recent = make_comment(article, ip_network="198.51.100.0/24", user_agent="Chrome")
    out = io.StringIO()
    call_command("purge_comments", stdout=out)
    remaining = set(Comment.objects.values_list("pk", flat=True))
    assert remaining == {recent_spam.pk, old_approved.pk, recent.pk}
    assert old_spam.pk not in remaining and old_rejected.pk not in remaining
    old_approved.refresh_from_db()
    recent.refresh_from_db()
    assert (old_approved.ip_network, old_approved.user_agent) == ("", "")
    assert recent.ip_network == "198.51.100.0/24"
    assert "Deleted 2" in out.getvalue()


@pytest.mark.parametrize("value", ["0", "-3", "abc"])
def test_bad_day_counts_stop_with_one_clear_line(db, value):
    with pytest.raises(CommandError):
        call_command("purge_comments", "--days", value, stdout=io.StringIO())
