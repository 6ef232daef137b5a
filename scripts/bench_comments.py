"""Benchmark: the article page and the comment endpoints as comments pile up.

Usage: .venv/bin/python scripts/bench_comments.py [--repeat 30]
(with DATABASE_URL / REDIS_URL set it measures PostgreSQL / Redis). It builds a throw-away test
database, then times, in the same run, the article page with no comments (the baseline) and
with 50, 500 and 5,000 approved comments (a third of them replies), each with the cache emptied
before every request ("cold"), the 5,000 one also from the readers' cache, a comment post, and
a post refused by the rate limit. Prints median times, SQL queries, and each ratio to the baseline.
"""

import argparse
import os
import secrets
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kawalis.settings")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(48))
warnings.filterwarnings("ignore", message="No directory at")  # WhiteNoise without collectstatic

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def timed(function, repeat):
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations)


def add_comments(article, count):
    from comments.models import Comment, body_fingerprint

    roots = Comment.objects.bulk_create(
        Comment(
            article=article,
            name=f"قارئ {n}",
            email=f"r{n}@example.invalid",
            body=f"تعليق للقياس {n}",
            fingerprint=body_fingerprint(f"تعليق للقياس {n}"),
            status="approved",
        )
        for n in range(count - count // 3)
    )
    Comment.objects.bulk_create(
        Comment(
            article=article,
            parent=root,
            thread=root,
            depth=1,
            name="رد",
            email="reply@example.invalid",
            body=f"رد للقياس {root.pk}",
            fingerprint=body_fingerprint(f"رد {root.pk}"),
            status="approved",
        )
        for root in roots[: count // 3]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.SECURE_SSL_REDIRECT = False  # the test client speaks plain http
    # No collectstatic here: plain static URLs instead of the hashed manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        from articles.models import Article, Category
        from comments.spam import issue_form_token

        category = Category.objects.create(name_ar="قياس", slug="bench")
        client = Client()
        rows = []

        def cold_get(url):
            # Readers' pages are cached in parts: empty the cache to measure the work itself.
            cache.clear()
            return client.get(url)

        def page_row(label, article, fetch):
            url = article.get_absolute_url()
            client.get(url)  # warm templates and translations
            queries = []

            def record(execute, sql, *rest):
                started = time.perf_counter()
                result = execute(sql, *rest)
                queries.append((time.perf_counter() - started, sql))
                return result

            with connection.execute_wrapper(record):
                fetch(url)
            if os.environ.get("BENCH_SHOW_SQL"):  # which query costs what, for the curious
                for seconds, sql in queries:
                    print(f"  {seconds * 1000:7.2f} ms  {sql[:140]}")
            rows.append((label, timed(lambda: fetch(url), args.repeat), len(queries)))

        for count in (0, 50, 500, 5000):
            article = Article.objects.create(
                title_ar=f"مقال القياس {count}", category=category, status="published"
            )
            add_comments(article, count)
            page_row(f"article page, {count} comments, cold", article, cold_get)
            if count == 5000:
                page_row(f"article page, {count} comments, cached", article, client.get)

        article = Article.objects.create(title_ar="مقال التعليقات", category=category, status="published")
        settings.COMMENTS_RATE_LIMIT_IP = settings.COMMENTS_RATE_LIMIT_EMAIL = 10**9
        counter = iter(range(10**9))

        def post(address):
            n = next(counter)
            data = {
                "name": "قارئ",
                "email": f"b{n}@example.invalid",
                "body": f"تعليق رقم {n}",
                "token": issue_form_token(article.pk, issued_at=time.time() - 60),
            }
            return client.post(f"/comments/post/{article.pk}/", data, REMOTE_ADDR=address)

        rows.append(("comment post (accepted, 302)", timed(lambda: post("192.0.2.1"), args.repeat), None))
        settings.COMMENTS_RATE_LIMIT_IP = 0
        if post("192.0.2.2").status_code != 429:
            raise SystemExit("the rate limit did not answer 429")
        rows.append(
            ("comment post over the limit (429)", timed(lambda: post("192.0.2.2"), args.repeat), None)
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    baseline = rows[0][1]
    engine = connection.vendor + (" + redis" if os.environ.get("REDIS_URL") else "")
    print(f"Comments benchmark ({engine}, median of {args.repeat}; baseline: the first row)")
    print(f"{'case':<44} {'median ms':>10} {'queries':>8} {'ratio':>7}")
    for label, seconds, queries in rows:
        shown = "" if queries is None else str(queries)
        print(f"{label:<44} {seconds * 1000:>10.2f} {shown:>8} {seconds / baseline:>6.2f}x")


if __name__ == "__main__":
    main()
