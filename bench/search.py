"""Search and the long lists at 100 and 100,000 articles, with nothing cached for readers.

    .venv/bin/python bench/search.py --repeat 7           # both sizes (filled the first time)
    .venv/bin/python bench/search.py --sizes small --repeat 5

For each size a database ``kawalis_bench_search_<size>`` on PostgreSQL is filled once with
``generate_load_data`` and reused. A child process per size serves requests through Django's
test client with ``READER_CACHE_SECONDS=0`` (no page, fragment or data cache: every request
reads the database) and times each page: a search for the archive's most common word, for a
word in about one article of eight, and for a word in one article; the sitemap index and the
last page of the article sitemap; the home page and the last page of the largest section. The
baseline of each row is the same page at 100 articles, measured in the same run; a trivial view
served by the same process is shown too. Target: each page under 50 ms at 100,000 articles and
within 2x of its 100-article figure.

The databases are migrated before each run (``migrate`` adds new indexes to them). Searches are
not rate-limited here (``SEARCHES_PER_NETWORK=0``): every request comes from one address.
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SIZES = {"small": 100, "large": 100_000}
SERVER = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
TARGET_MS, TARGET_RATIO = 50, 2.0


def environment(size):
    return {
        **os.environ,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "DEBUG": "",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": f"{SERVER}/kawalis_bench_search_{size}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "CACHE_KEY_PREFIX": f"bench-search-{size}",
        "MEDIA_ROOT": str(ROOT / "bench-results" / "media"),
        "STATIC_ROOT": str(ROOT / "bench-results" / "static"),
        "BENCHMARK_HELLO": "1",
        "READER_CACHE_SECONDS": "0",
        "READER_PAGE_CACHE": "0",
        "SEARCHES_PER_NETWORK": "0",  # every timed search comes from 127.0.0.1
        "LOG_LEVEL": "warning",
        "DJANGO_SETTINGS_MODULE": "kawalis.settings",
    }


def psql(database, sql):
    return subprocess.run(
        ["psql", f"{SERVER}/{database}", "-Atc", sql], check=True, text=True, capture_output=True
    ).stdout.strip()


def prepare(size):
    """The size's database, filled unless it already holds that many articles."""
    database = f"kawalis_bench_search_{size}"
    manage = [PYTHON, "manage.py"]
    exists = psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{database}'")
    if exists and psql(database, "SELECT count(*) FROM articles_article") == str(SIZES[size]):
        subprocess.run([*manage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=environment(size), check=True)
        return
    print(f"[{size}] generating {SIZES[size]} articles in {database}", flush=True)
    psql("postgres", f"DROP DATABASE IF EXISTS {database}")
    psql("postgres", f"CREATE DATABASE {database}")
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=environment(size), check=True)
    subprocess.run(
        [*manage, "generate_load_data", "--articles", str(SIZES[size]), "--batch-size", "5000"],
        cwd=ROOT,
        env=environment(size),
        check=True,
    )


# --- in the child process, one per size --------------------------------------------------------


def pages():
    """The pages to time: {row: url}, the words chosen from this database's own index."""
    from django.db import connection

    from articles.models import Article, Category
    from articles.sitemaps import ArticleSitemap

    published = Article.objects.published()
    total = published.count()
    with connection.cursor() as cursor:
        # Words of the titles and bodies, by the number of articles they are in (ts_stat).
        cursor.execute(
            "SELECT word, ndoc FROM ts_stat('SELECT search_vector_ar FROM articles_article') "
            "WHERE length(word) >= 4 ORDER BY ndoc DESC, word"
        )
        words = cursor.fetchall()
    common = words[0][0]
    mid = min(words, key=lambda row: (abs(row[1] - total / 8), row[0]))[0]
    rare = min(words, key=lambda row: (row[1], row[0]))[0]
    section = max(Category.objects.all(), key=lambda category: published.filter(category=category).count())
    per_page = 12
    deepest = max(1, -(-published.filter(category=section).count() // per_page))
    sitemap_pages = max(1, ArticleSitemap().paginator.num_pages)
    return {
        "search: common word": f"/search/?q={common}",
        "search: word in 1 of 8": f"/search/?q={mid}",
        "search: rare word": f"/search/?q={rare}",
        "sitemap index": "/sitemap.xml",
        "sitemap: last page": f"/sitemap-articles.xml?p={sitemap_pages}",
        "home": "/",
        "section: last page": f"{section.get_absolute_url()}?page={deepest}",
        "hello (trivial view)": "/bench/hello",
    }


class QueryTimer:
    """The time a request spends in the database (the part that grows with the archive)."""

    def __init__(self):
        self.seconds, self.queries = 0.0, 0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.queries += 1


def measure(repeat):
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client()
    results = {}
    for name, url in pages().items():
        for _warm in range(2):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        timings, database, queries = [], [], 0
        for _round in range(repeat):
            timer = QueryTimer()
            with connection.execute_wrapper(timer):
                started = time.perf_counter()
                client.get(url)
                timings.append((time.perf_counter() - started) * 1000)
            database.append(timer.seconds * 1000)
            queries = timer.queries
        results[name] = {
            "url": url,
            "ms": statistics.median(timings),
            "min": min(timings),
            "max": max(timings),
            "db_ms": statistics.median(database),
            "queries": queries,
        }
    return results


# --- the table ----------------------------------------------------------------------------------


def _cell(row):
    if not row:
        return "–"
    return f"{row['ms']:.1f} ({row['min']:.1f}–{row['max']:.1f}) · db {row['db_ms']:.1f} · {row['queries']} q"


def table(results):
    """Per page: time (median, range), of it the database's, queries; the ratio of the large
    size's time to the small one's; whether the target is met (database time under 50 ms at the
    large size, whole time within 2x of the small size's)."""
    small, large = results.get("small"), results.get("large")
    lines = [
        "| page | 100 articles: ms (range) · db ms · queries | 100,000 articles | large / small | target |",
        "|---|---|---|---:|---|",
    ]
    for name in small or large:
        a, b = (small or {}).get(name), (large or {}).get(name)
        ratio = b["ms"] / a["ms"] if a and b else None
        meets = b and b["db_ms"] < TARGET_MS and (ratio is None or ratio <= TARGET_RATIO)
        target = "" if name.startswith("hello") or not b else ("met" if meets else "missed")
        shown = f"{ratio:.2f}×" if ratio else "–"
        lines.append(f"| {name} | {_cell(a)} | {_cell(b)} | {shown} | {target} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="small,large")
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per page (median shown)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.repeat)))
        return
    sizes = [size for size in args.sizes.split(",") if size]
    unknown = set(sizes) - set(SIZES)
    if unknown:
        parser.error(f"unknown size(s): {', '.join(sorted(unknown))} (small, large)")
    results = {}
    for size in sizes:
        prepare(size)
        collect = [PYTHON, "manage.py", "collectstatic", "--no-input", "-v0"]
        subprocess.run(collect, cwd=ROOT, env=environment(size), check=True)
        run = subprocess.run(
            [PYTHON, __file__, "--child", size, "--repeat", str(args.repeat)],
            cwd=ROOT,
            env=environment(size),
            check=False,
            text=True,
            capture_output=True,
        )
        if run.returncode:
            sys.exit(f"[{size}] the measuring process failed:\n{run.stderr[-3000:]}")
        results[size] = json.loads(run.stdout.strip().splitlines()[-1])
    words = {name: row["url"] for name, row in (results.get("large") or results[sizes[0]]).items()}
    listed = "\n".join(f"- {name}: `{url}`" for name, url in words.items())
    report = f"{table(results)}\n\nPages timed (largest size):\n{listed}"
    print(report)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "search.md").write_text(report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
