"""With the database away, a comment or a signup answers 503 with Retry-After and the words kept.

Each case runs the site in a fresh process whose database really cannot be reached: a SQLite
file in a folder that does not exist, or a PostgreSQL port nothing listens on.
"""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

POST = """
import django, json, sys
from django.conf import settings
# As in the suite (conftest.py): static files without the manifest that collectstatic writes.
settings.STORAGES = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
django.setup()
from django.test import Client
path, data = sys.argv[1], json.loads(sys.argv[2])
response = Client().post(path, data, HTTP_USER_AGENT="Mozilla/5.0 Firefox/140.0", REMOTE_ADDR="192.0.2.7")
print(json.dumps({
    "status": response.status_code,
    "retry_after": response.get("Retry-After"),
    "cache_control": response.get("Cache-Control"),
    "body": response.content.decode(),
}))
"""

UNREACHABLE_DATABASES = {
    "sqlite": lambda tmp_path: f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}",
    # Port 1 on 127.0.0.1: nothing listens there, the connection is refused at once.
    "postgresql": lambda tmp_path: "postgres://postgres@127.0.0.1:1/kawalis_degrade",
}


def post_while_the_database_is_away(database_url, path, data):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kawalis.settings",
        "ALLOWED_HOSTS": "testserver",
        "HTTPS": "0",
        "TASKS_BACKEND": "database",
        "DATABASE_URL": database_url,
    }
    environment.pop("DEBUG", None)
    result = subprocess.run(
        [sys.executable, "-c", POST, path, json.dumps(data)],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(params=sorted(UNREACHABLE_DATABASES))
def unreachable_database(request, tmp_path):
    if request.param == "postgresql":
        pytest.importorskip("psycopg", reason="psycopg is not installed: no PostgreSQL driver")
    return UNREACHABLE_DATABASES[request.param](tmp_path)


def test_a_comment_that_cannot_be_stored_answers_503_with_the_text_kept(unreachable_database):
    typed = {
        "name": "Salma",
        "email": "salma@example.com",
        "body": "Un commentaire <b>réfléchi</b> qu'il ne faut pas perdre.",
        "notify_replies": "on",
    }

    result = post_while_the_database_is_away(unreachable_database, "/fr/comments/post/42/", typed)

    assert result["status"] == 503
    assert int(result["retry_after"]) > 0
    assert "no-store" in result["cache_control"]
    body = result["body"]
    kept_and_escaped = "Un commentaire &lt;b&gt;réfléchi&lt;/b&gt; qu&#x27;il ne faut pas perdre."
    assert kept_and_escaped in body
    assert 'value="Salma"' in body
    assert 'value="salma@example.com"' in body
    assert 'action="/fr/comments/post/42/"' in body  # sent again to the same place
    assert "Votre commentaire n’a pas pu être enregistré" in body  # in the reader's language
    assert 'lang="fr"' in body
    assert 'href="/static/css/site.css"' in body  # the site's design


def test_a_signup_that_cannot_be_recorded_answers_503_with_the_address_kept(unreachable_database):
    result = post_while_the_database_is_away(
        unreachable_database, "/newsletter/", {"email": "reader@example.org", "consent": "on"}
    )

    assert result["status"] == 503
    assert int(result["retry_after"]) > 0
    body = result["body"]
    assert 'value="reader@example.org"' in body
    assert 'action="/newsletter/"' in body
    assert 'lang="ar"' in body
    assert "تعذر تسجيل اشتراكك" in body
