"""Factories and a helper that posts the comment form the way a browser does."""

import itertools
import time

import pytest

from comments.models import Comment
from comments.spam import issue_form_token

_sequence = itertools.count(1)


@pytest.fixture
def make_comment(db):
    """``make_comment(article, body=..., status=...)``: an approved comment by default."""

    def make(article, **fields):
        n = next(_sequence)
        fields.setdefault("name", f"قارئ {n}")
        fields.setdefault("email", f"reader{n}@example.com")
        fields.setdefault("body", f"تعليق رقم {n}")
        fields.setdefault("status", Comment.Status.APPROVED)
        return Comment.objects.create(article=article, **fields)

    return make


def form_data(article, **overrides):
    """What a reader's browser sends: a token issued a minute ago and the fields filled in."""
    data = {
        "name": "أحمد",
        "email": "ahmed@example.com",
        "body": "مقال مفيد، شكرا.",
        "token": issue_form_token(article.pk, issued_at=time.time() - 60),
        "parent": "",
        "website": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def post_comment(client):
    """``post_comment(article, **fields)``: POST the form to the article's comment URL."""

    def post(article, client=client, address="203.0.113.7", **fields):
        return client.post(
            f"/comments/post/{article.pk}/",
            form_data(article, **fields),
            REMOTE_ADDR=address,
            HTTP_USER_AGENT="Mozilla/5.0 (test)",
        )

    return post
