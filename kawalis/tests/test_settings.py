"""Settings read the environment; production refuses to start without a real secret key."""

import os
import subprocess
import sys

from django.conf import settings

from kawalis.settings import email_settings_from_url


def _import_settings(**env):
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import kawalis.settings"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _import_settings()
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = _import_settings(SECRET_KEY="short")
    assert result.returncode != 0
    assert "too weak" in result.stderr
    # 49 characters: what Django's deploy check (W009) still warns about.
    assert "too weak" in _import_settings(SECRET_KEY="k" * 20 + "0123456789abcdefghijklmnopqrs").stderr
    assert _import_settings(SECRET_KEY="k" * 20 + "0123456789abcdefghijklmnopqrst").returncode == 0


def test_development_runs_without_a_secret_key():
    assert _import_settings(DEBUG="1").returncode == 0


def test_email_url_becomes_smtp_settings():
    values = email_settings_from_url("smtp://user:p%40ss@127.0.0.1:2525?tls=1")
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"]) == ("127.0.0.1", 2525)
    assert (values["EMAIL_HOST_USER"], values["EMAIL_HOST_PASSWORD"]) == ("user", "p@ss")
    assert values["EMAIL_USE_TLS"] is True


def test_no_email_url_means_console_backend():
    assert email_settings_from_url("")["EMAIL_BACKEND"].endswith("console.EmailBackend")


def test_site_speaks_arabic_first_in_casablanca_time():
    assert settings.LANGUAGE_CODE == "ar"
    assert [code for code, _name in settings.LANGUAGES] == ["ar", "fr", "en"]
    assert settings.TIME_ZONE == "Africa/Casablanca"


def test_manage_py_reports_a_bad_environment_in_one_line():
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: SECRET_KEY is not set. Set it to a long random value (or DEBUG=1 for development)."
    ]
