"""The newsroom's writes while readers read (run by bench/run.py against a bench database).

    python bench/newsroom.py paths             # prints the published articles' paths, as JSON
    python bench/newsroom.py write SECONDS     # writes as a newsroom does, for SECONDS
    python bench/newsroom.py live              # makes the newest story a live coverage, prints its
                                               # page's and its updates' paths, as JSON
    python bench/newsroom.py write SECONDS live  # the same writes, plus a live entry every 10 s

The writer, as on a busy news day: approves one reader's comment every 2 s, edits one story
every 30 s (its lead, as a correction) and flushes the view counts every minute, each through
the models as the admin does, so each write invalidates (and, with FRONTEND_CACHE set, purges)
what it changes after its commit. The stories written to follow the readers' Zipf mix: the
most-read story gets the most comments. It prints what it did, as JSON.
"""

import json
import os
import random
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kawalis.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.db import transaction  # noqa: E402

from articles.models import Article, LiveEntry  # noqa: E402
from articles.popularity import flush_view_counts  # noqa: E402
from comments.models import Comment  # noqa: E402

PAGES = 1000
COMMENT_EVERY, EDIT_EVERY, FLUSH_EVERY, ENTRY_EVERY = 2.0, 30.0, 60.0, 10.0
FIRST_FLUSH = 30.0  # a one-minute run sees one flush, mid-way


def article_pks():
    """The newest published articles, most-read first by the mix's rank (rank 1 = newest)."""
    newest = Article.objects.published().order_by("-published_at", "-id")
    return list(newest.values_list("pk", flat=True)[:PAGES])


def zipf_weights(count, exponent=1.0):
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


def paths():
    pks = article_pks()
    articles = Article.objects.in_bulk(pks)
    return [articles[pk].get_absolute_url() for pk in pks]


def approve_one(pk, number):
    with transaction.atomic():
        comment = Comment.objects.create(
            article_id=pk,
            name=f"قارئ {number}",
            email=f"reader{number}@example.com",
            body=f"تعليق رقم {number} على الخبر",
        )
    comment.status = Comment.Status.APPROVED
    comment.save()  # as the moderator's approval: the article's comments, after the commit


def edit_one(pk, number):
    article = Article.objects.get(pk=pk)
    article.lead_ar = f"{article.lead_ar.split(' | ')[0]} | تصحيح {number}"
    article.save()


def live_coverage():
    """The newest story as a live coverage started an hour ago: (its page's path, its updates')."""
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    article = Article.objects.get(pk=article_pks()[0])
    if not article.is_live:
        article.coverage_start, article.coverage_end = timezone.now() - timedelta(hours=1), None
        article.save()
    return article.get_absolute_url(), reverse("articles:live_updates", args=[article.pk])


def post_entry(number):
    """One live entry on the live coverage, as the admin's "add" saves it."""
    LiveEntry.objects.create(
        article_id=article_pks()[0], text=f"<p>تحديث مباشر رقم {number}: الفرز مستمر</p>"
    )


def write(seconds, live=False):
    pks = article_pks()
    weights = zipf_weights(len(pks))
    chooser = random.Random(2026)  # noqa: S311 (the same writes every run, not a secret)
    started = time.monotonic()
    due = {"comment": 0.0, "edit": EDIT_EVERY / 2, "flush": FIRST_FLUSH}
    every = {"comment": COMMENT_EVERY, "edit": EDIT_EVERY, "flush": FLUSH_EVERY}
    done = {"comment": 0, "edit": 0, "flush": 0}
    if live:
        due["entry"], every["entry"], done["entry"] = ENTRY_EVERY / 2, ENTRY_EVERY, 0
    slowest = 0.0
    while True:
        now = time.monotonic() - started
        if now >= seconds:
            break
        kind = min(due, key=due.get)
        if due[kind] > now:
            time.sleep(min(due[kind] - now, seconds - now))
            continue
        pk = chooser.choices(pks, weights)[0]
        began = time.monotonic()
        if kind == "comment":
            approve_one(pk, done["comment"])
        elif kind == "edit":
            edit_one(pk, done["edit"])
        elif kind == "entry":
            post_entry(done["entry"])
        else:
            flush_view_counts()
        slowest = max(slowest, time.monotonic() - began)
        done[kind] += 1
        due[kind] += every[kind]
    return {
        "approved comments": done["comment"],
        "edits": done["edit"],
        "flushes": done["flush"],
        **({"live entries": done["entry"]} if live else {}),
        "slowest write s": round(slowest, 3),
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["paths"]:
        print(json.dumps(paths()))
    elif sys.argv[1:2] == ["live"]:
        print(json.dumps(live_coverage()))
    elif sys.argv[1:2] == ["write"]:
        print(json.dumps(write(float(sys.argv[2]), live=sys.argv[3:4] == ["live"])))
    else:
        raise SystemExit(__doc__)
