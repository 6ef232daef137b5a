"""Benchmark: the article page with its "شاهد أيضا" (see also) block, on a small and a large archive.

    .venv/bin/python bench/see_also.py                  # 100 against 100,000 articles
    .venv/bin/python bench/see_also.py --large 20000 --rounds 5

Each archive is made once by ``manage.py generate_load_data`` (fake articles with
translations, two tags each, and images) in its own SQLite file under --data-dir (outside the
repository; kept between runs). One process then times both archives in alternating
rounds, so that other load on the machine weighs on both alike: the article page through the
whole Django stack (production settings, caches in local memory, the reader-page cache made
stale before each request so that the page is rendered) and the see-also block alone, for the
newest, a middle and the oldest article. The table gives medians, the queries per page, and the
ratio large / small, which stays near 1 when the cost does not grow with the archive.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ("newest", "middle", "oldest")


def measure(databases, requests, rounds):
    """Runs in a child process: times both archives in alternation (so that any other load on
    the machine weighs on both alike) and prints the results as JSON."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kawalis.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext
    from django.utils import translation

    from articles.models import Article
    from articles.see_also import see_also
    from kawalis.readercache import SITE_TAG, invalidate

    def use(database):
        connection.close()
        connection.settings_dict["NAME"] = database

    archives = {}
    for size, database in databases.items():
        use(database)
        published = Article.objects.published().order_by("-published_at")
        count = published.count()
        archives[size] = {
            "database": database,
            "articles": Article.objects.count(),
            "samples": {
                "newest": published.first(),
                "middle": published[count // 2],
                "oldest": published.last(),
            },
        }
    timings = {(size, name, kind): [] for size in archives for name in SAMPLES for kind in ("page", "block")}
    queries = {}
    shown = {}
    overrides = {
        # The site's own fragment caches (most read, breaking news) work as in production, in
        # local memory; there is no whole-page cache, so every request renders the page.
        "CACHES": {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "bench"}
        },
        "ALLOWED_HOSTS": ["testserver"],
        "STORAGES": {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    }
    with override_settings(**overrides), translation.override("ar"):
        client = Client()
        for size, archive in archives.items():
            use(archive["database"])
            for name, article in archive["samples"].items():
                url = article.get_absolute_url()
                for _warm_up in range(3):
                    assert client.get(url, secure=True).status_code == 200
                invalidate(SITE_TAG)
                with CaptureQueriesContext(connection) as captured:
                    assert client.get(url, secure=True).status_code == 200
                queries[size, name] = len(captured)
                shown[size, name] = len(see_also(article, "ar"))
        for _round in range(rounds):
            for size, archive in archives.items():
                use(archive["database"])
                for name, article in archive["samples"].items():
                    url = article.get_absolute_url()
                    for _n in range(requests):
                        # A page that is not in the reader-page cache yet: rendered, see-also
                        # computed (the cache would otherwise answer and hide the cost).
                        invalidate(SITE_TAG)
                        start = time.perf_counter()
                        response = client.get(url, secure=True)
                        timings[size, name, "page"].append(time.perf_counter() - start)
                        assert response.status_code == 200
                        start = time.perf_counter()
                        see_also(article, "ar")
                        timings[size, name, "block"].append(time.perf_counter() - start)
    results = {}
    for size, archive in archives.items():
        results[size] = {"articles": archive["articles"]}
        for name in SAMPLES:
            results[size][name] = {
                "page_ms": statistics.median(timings[size, name, "page"]) * 1000,
                "block_ms": statistics.median(timings[size, name, "block"]) * 1000,
                "queries": queries[size, name],
                "shown": shown[size, name],
            }
    print(json.dumps(results))


def run(command, env):
    completed = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if completed.returncode:
        sys.exit(f"failed: {' '.join(command)}\n{completed.stdout[-2000:]}{completed.stderr[-4000:]}")
    return completed.stdout


def bench_env(database):
    env = {
        **os.environ,
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-" + "x" * 50,
    }
    env.pop("DEBUG", None)  # production settings: cached templates, no query log
    env.pop("REDIS_URL", None)
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return env


def prepare(size, data_dir, python):
    """Make (once) the SQLite archive of ``size`` fake articles; return its file."""
    database = data_dir / f"archive-{size}.sqlite3"
    if database.exists():
        return database
    partial = data_dir / f"archive-{size}.partial.sqlite3"
    partial.unlink(missing_ok=True)
    env = {**bench_env(partial), "MEDIA_ROOT": str(data_dir / "media")}
    run([python, "manage.py", "migrate", "--no-input", "-v", "0"], env)
    started = time.perf_counter()
    run([python, "manage.py", "generate_load_data", "--articles", str(size), "--seed", "7", "-v", "0"], env)
    print(f"  made {size:,} articles in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    partial.rename(database)
    return database


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per article and round")
    parser.add_argument("--rounds", type=int, default=10, help="rounds alternating the two archives")
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "kawalis-bench")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(json.loads(args.measure), args.requests, args.rounds)
        return
    args.data_dir.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    databases = {}
    for size in (args.small, args.large):
        print(f"archive of {size:,} articles", file=sys.stderr)
        databases[str(size)] = str(prepare(size, args.data_dir, python))
    command = [python, str(Path(__file__).resolve()), "--measure", json.dumps(databases)]
    command += ["--requests", str(args.requests), "--rounds", str(args.rounds)]
    output = run(
        command, {**bench_env(databases[str(args.small)]), "MEDIA_ROOT": str(args.data_dir / "media")}
    )
    results = json.loads(output.strip().splitlines()[-1])
    small, large = results[str(args.small)], results[str(args.large)]
    timed = args.requests * args.rounds
    print(f"\nArticle page with see-also, SQLite: median of {timed} requests per cell; ratio = large / small")
    print(f"archives: {small['articles']:,} and {large['articles']:,} articles")
    print(
        f"| article | page ms ({args.small:,}) | page ms ({args.large:,}) | ratio "
        f"| see-also ms ({args.small:,}) | see-also ms ({args.large:,}) | ratio | queries/page | shown |"
    )
    print("|" + "---|" * 9)
    for name in SAMPLES:
        a, b = small[name], large[name]
        print(
            f"| {name} | {a['page_ms']:.2f} | {b['page_ms']:.2f} | {b['page_ms'] / a['page_ms']:.2f} "
            f"| {a['block_ms']:.2f} | {b['block_ms']:.2f} | {b['block_ms'] / a['block_ms']:.2f} "
            f"| {a['queries']} / {b['queries']} | {a['shown']} / {b['shown']} |"
        )


if __name__ == "__main__":
    main()
