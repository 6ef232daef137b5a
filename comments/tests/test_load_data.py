"""generate_load_data --comments: fake, labelled comments on the fake articles only."""

import io

import pytest
from django.core.management import CommandError, call_command

from comments.models import Comment


def generate(*args):
    out = io.StringIO()
    call_command("generate_load_data", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_generates_labelled_threads_on_fake_articles_in_batches(client):
    output = generate("--articles", "6", "--comments", "90", "--batch-size", "20")
    assert "comments: 90 rows" in output
    assert Comment.objects.count() == 90
    assert not Comment.objects.exclude(email__endswith="@example.invalid").exists()
    replies = Comment.objects.filter(parent__isnull=False).select_related("parent")
    assert replies.count() > 20
    assert Comment.objects.filter(depth=2).exists()
    for reply in replies:
        assert reply.article_id == reply.parent.article_id
        assert reply.thread_id == (reply.parent.thread_id or reply.parent_id)
        assert reply.depth == reply.parent.depth + 1
    busiest = Comment.objects.approved().values_list("article", flat=True).order_by("article").first()
    article = Comment.objects.filter(article=busiest).first().article
    assert client.get(article.get_absolute_url()).status_code == 200


@pytest.mark.django_db
def test_comments_without_fake_articles_stop_with_a_clear_line(make_article):
    make_article()
    with pytest.raises(CommandError, match="needs load-test articles"):
        call_command("generate_load_data", "--comments", "5", stdout=io.StringIO())
