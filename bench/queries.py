"""Prints the SQL queries per reader page as JSON (run by bench/run.py against a bench database).

For each page: "empty" (nothing in the cache at all) and "first" (the first view of that page
after another page filled what every page shares: menu, breaking news, most read), and "warm".
"""

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kawalis.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from articles.models import Article  # noqa: E402


def busiest_article():
    """The published article with the most approved comments among the newest (a spike's story)."""
    newest = Article.objects.published().order_by("-published_at")[:200]
    candidates = (
        Article.objects.filter(pk__in=[a.pk for a in newest])
        .annotate(approved=Count("comments", filter=Q(comments__status="approved")))
        .order_by("-approved", "-published_at")
    )
    return candidates.select_related("category").first()


def count(url):
    client = Client(HTTP_HOST="127.0.0.1")
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


def main():
    article = busiest_article()
    pages = {
        "article": article.get_absolute_url(),
        "home": "/",
        "category": article.category.get_absolute_url(),
    }
    result = {"article_url": pages["article"], "comments": article.comments.filter(status="approved").count()}
    for name, url in pages.items():
        cache.clear()
        empty = count(url)
        cache.clear()
        count("/?page=2")
        first = count(url)
        warm = count(url)
        result[name] = {"empty": empty, "first": first, "warm": warm}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
