"""Two real processes: a change made by one (a command, the shell, the task worker) is on the
pages the other serves at once: on the embedded default (SQLite, the shared cache file, no
Redis) as on PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parents[3]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def site_environment(tmp_path):
    """The environment of a site of its own: a database and a cache that no test shares."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "PYTHONPATH", "REDIS_URL"}
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(48),
        DEBUG="1",
        ALLOWED_HOSTS="127.0.0.1",
        TASKS_BACKEND="immediate",
        CACHE_PATH=str(tmp_path / "cache.sqlite3"),
        CACHE_KEY_PREFIX=f"processes-{secrets.token_hex(4)}",
        PYTHONUNBUFFERED="1",
    )
    created = None
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith("postgres"):
        import psycopg

        config = dj_database_url.parse(database_url)
        created = f"{config['NAME']}_processes_{secrets.token_hex(3)}"
        admin = database_url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{created}"')
        env["DATABASE_URL"] = database_url.rsplit("/", 1)[0] + f"/{created}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    yield env
    if created:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def manage(env, *arguments, code=None):
    command = [sys.executable, "manage.py", *arguments]
    if code is not None:
        command += ["-c", code]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


SET_UP = """
from django.utils import timezone
from articles.models import Article, Category
from comments.models import Comment
category = Category.objects.create(name_ar="مجتمع", slug="society")
article = Article.objects.create(
    title_ar="خبر للاختبار", body_ar="<p>نص</p>", category=category, status="published",
    published_at=timezone.now() - timezone.timedelta(minutes=5),
)
Comment.objects.create(
    article=article, name="قارئ", email="r@example.com", body="تعليق ينتظر", status="pending"
)
print(article.get_absolute_url())
"""


def test_a_change_made_by_another_process_is_on_the_served_page_at_once(site_environment):
    env = site_environment
    manage(env, "migrate", "--no-input", "-v", "0")
    path = manage(env, "shell", code=SET_UP).splitlines()[-1]
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}{urllib.request.quote(path)}"

    def page():
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode()

    try:
        for _attempt in range(100):
            try:
                first = page()
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the development server did not start")
        assert "خبر للاختبار" in first and "تعليق ينتظر" not in first
        assert "تعليق ينتظر" not in page()  # the stored copy, served again

        manage(
            env,
            "shell",
            code="from comments.models import Comment\n"
            "c = Comment.objects.get()\nc.status = 'approved'\nc.save()",
        )
        assert "تعليق ينتظر" in page()  # approved in another process: on the next request

        manage(
            env,
            "shell",
            code="from articles.models import Article\na = Article.objects.get()\n"
            "a.title_ar = 'عنوان من عملية أخرى'\na.save()",
        )
        assert "عنوان من عملية أخرى" in page()
    finally:
        server.terminate()
        server.wait(timeout=10)
