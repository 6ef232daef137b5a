"""The suite is hermetic: the shell's configuration does not reach the settings under test."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from kawalis.tests import environment

ROOT = Path(__file__).resolve().parent.parent.parent

# What a deployment's shell holds (the README's "Deploying" section), at its oddest.
ODD = {
    "SITE_URL": "https://news.example.org:8443/some/prefix",
    "ALLOWED_HOSTS": "news.example.org",
    "EMAIL_URL": "smtp://nobody:secret@mail.invalid:2525/?tls=1",
    "MEDIA_ROOT": "/nonexistent/media",
    "DEBUG": "1",
    "SECRET_KEY": "short",
    "READER_PAGE_CACHE": "0",
    "FRONTEND_CACHE": "http://127.0.0.1:1",
}


def test_every_variable_the_configuration_reads_is_found():
    names = environment.configuration_variables()

    assert {"SITE_URL", "ALLOWED_HOSTS", "EMAIL_URL", "MEDIA_ROOT", "DEBUG", "PORT"} <= names
    assert names >= environment.SWITCHES


def test_the_shells_configuration_is_dropped_but_the_switches_kept():
    switches = {"DATABASE_URL": "postgres://db/kawalis", "REDIS_URL": "redis://cache/1"}
    environ = {**ODD, **switches, "HOME": "/root"}

    environment.clean_environment(environ)

    assert not (set(ODD) - {"SECRET_KEY"}) & set(environ)
    assert environ["DATABASE_URL"] == "postgres://db/kawalis"
    assert environ["REDIS_URL"] == "redis://cache/1"
    assert environ["HOME"] == "/root"
    assert len(environ["SECRET_KEY"]) >= 50


def test_this_run_sees_the_defaults_not_the_shell():
    assert not settings.DEBUG
    assert "SITE_URL" not in os.environ and "EMAIL_URL" not in os.environ


def test_tests_that_compare_absolute_links_pass_with_an_odd_shell():
    # The tests that once failed with SITE_URL set: newsletter links compared with the default.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "newsletter/tests/test_signup.py"],
        cwd=ROOT,
        env={key: value for key, value in os.environ.items() if key not in environment.SWITCHES} | ODD,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
