"""The production security posture: check --deploy is clean, every page carries the headers."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User


def production_env(**extra):
    """The environment of a production web server (DEBUG off, HTTPS, a real key)."""
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "SECRET_KEY"}}
    environment.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="kawalis.example",
        DJANGO_SETTINGS_MODULE="kawalis.settings",
    )
    environment.update(extra)
    return environment


def run_manage(*arguments, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=django_settings.BASE_DIR,
        env=production_env(**env),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_when_https_is_switched_off():
    # The check above can fail: without HTTPS, Django's own deploy checks complain.
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", HTTPS="0")

    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT" in result.stderr + result.stdout


def test_media_storage_can_be_an_s3_compatible_bucket():
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=django_settings.BASE_DIR,
        env=production_env(
            MEDIA_STORAGE="s3", S3_BUCKET="kawalis-media", S3_ENDPOINT_URL="http://127.0.0.1:9000"
        ),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    storage = json.loads(result.stdout)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "kawalis-media"
    assert storage["OPTIONS"]["endpoint_url"] == "http://127.0.0.1:9000"


def test_s3_without_a_bucket_refuses_to_start():
    result = run_manage("check", MEDIA_STORAGE="s3")
    assert result.returncode != 0
    assert "S3_BUCKET" in result.stderr


@pytest.fixture
def https(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    return settings


def assert_security_headers(response):
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize("path", ["/", "/fr/", "/en/", "/admin/login/"])
@pytest.mark.django_db
def test_reader_and_admin_pages_carry_the_security_headers(client, https, path):
    response = client.get(path, secure=True)

    assert response.status_code == 200
    assert_security_headers(response)


@pytest.mark.django_db
def test_article_and_category_pages_carry_the_security_headers(client, https, make_article):
    article = make_article()

    for url in [article.get_absolute_url(), article.category.get_absolute_url()]:
        response = client.get(url, secure=True)
        assert response.status_code == 200
        assert_security_headers(response)


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(client, https):
    response = client.get("/")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"


@pytest.mark.django_db
def test_admin_session_cookie_is_secure_and_hidden_from_scripts(client, https):
    User.objects.create_superuser("chief", "chief@example.com", "a-long-pass-phrase-9")

    response = client.post(
        "/admin/login/?next=/admin/",
        {"username": "chief", "password": "a-long-pass-phrase-9"},
        secure=True,
    )

    assert response.status_code == 302
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert_security_headers(client.get("/admin/", secure=True))


def test_sessions_are_shared_between_servers_through_database_and_cache():
    assert django_settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
