"""Liveness (/healthz/live) answers while the process runs, whatever is away; readiness
(/healthz/ready, and /healthz) answers 200 when the database and the cache work, 503 with the
reason when not."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

# Runs the health check in a fresh process whose database or cache really is unreachable.
PROBE = """
import django, json, os
django.setup()
from django.test import Client
response = Client().get(os.environ.get("PROBED_PATH", "/healthz"))
print(json.dumps({"status": response.status_code, "body": json.loads(response.content)}))
"""


def probe(**env):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "kawalis.settings", "ALLOWED_HOSTS": "testserver"}
    environment.update(env)
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_healthy_site_answers_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_database_down_answers_503_with_the_reason(tmp_path):
    missing = tmp_path / "no-such-folder" / "db.sqlite3"

    result = probe(DATABASE_URL=f"sqlite:///{missing}")

    assert result["status"] == 503
    assert result["body"]["database"] == "error: OperationalError"
    assert result["body"]["status"] == "error"
    assert str(tmp_path) not in json.dumps(result)  # no paths or hosts leak out


def test_cache_down_answers_503_with_the_reason(tmp_path):
    # Port 1 on 127.0.0.1: nothing listens there, the connection is refused at once.
    result = probe(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL="redis://127.0.0.1:1/0")

    assert result["status"] == 503
    assert result["body"]["cache"] == "error: ConnectionError"
    assert result["body"]["database"] == "ok"


def test_healthz_is_not_redirected_to_https_for_load_balancers(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz").status_code in {200, 503}
    assert client.get("/").status_code == 301


@pytest.mark.django_db
def test_readiness_is_also_at_its_own_address(client):
    response = client.get("/healthz/ready")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_liveness_answers_ok_with_the_database_and_the_cache_both_away(tmp_path):
    result = probe(
        DATABASE_URL=f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}",
        REDIS_URL="redis://127.0.0.1:1/0",
        PROBED_PATH="/healthz/live",
    )

    assert result == {"status": 200, "body": {"status": "ok"}}


def test_readiness_names_the_database_when_only_it_is_away(tmp_path):
    result = probe(
        DATABASE_URL=f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}", PROBED_PATH="/healthz/ready"
    )

    assert result["status"] == 503
    assert result["body"] == {"status": "error", "database": "error: OperationalError", "cache": "ok"}


def test_health_addresses_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/healthz/live").status_code == 200
    assert client.get("/healthz/ready").status_code in {200, 503}
