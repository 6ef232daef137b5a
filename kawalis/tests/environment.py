"""The suite's environment: the shell's configuration never reaches the settings under test.

Loaded as a pytest plugin (``-p kawalis.tests.environment`` in pyproject.toml), so it runs
before pytest-django imports the settings. Every variable the settings and gunicorn.conf.py
read is removed from the environment, apart from the two that are meant to switch the suite
to the production path (``DATABASE_URL``, ``REDIS_URL``). A developer's ``SITE_URL``,
``EMAIL_URL`` or ``MEDIA_ROOT`` (the README's "Deploying" section sets them) thus change
nothing, and the processes that tests start (gunicorn, a worker, a second web server) inherit
the same clean environment. Tests that need a value set it themselves (``settings`` fixture, or
the environment of the process they start).

The names are read off the configuration files themselves, so a new variable is covered the
day it is added.
"""

import os
import re
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

# The files that turn the environment into configuration.
CONFIGURATION_FILES = (ROOT / "kawalis" / "settings.py", ROOT / "gunicorn.conf.py")

# What switches the suite to PostgreSQL and Redis: kept.
SWITCHES = frozenset({"DATABASE_URL", "REDIS_URL"})

_READ = re.compile(r"""(?:environ\.get|environ\[|env_bool|env_list|getenv)\(?\s*["']([A-Z][A-Z0-9_]*)["']""")


def configuration_variables():
    """Every environment variable the configuration files read, by name."""
    names = set()
    for path in CONFIGURATION_FILES:
        names.update(_READ.findall(path.read_text(encoding="utf-8")))
    return names


def clean_environment(environ=os.environ):
    """Drop the shell's configuration from ``environ``; give it the suite's own secret key."""
    for name in configuration_variables() - SWITCHES:
        environ.pop(name, None)
    # Tests run with production settings (DEBUG off), which need a key of 50 characters or more:
    # a fresh one per run, whatever (or however short) the shell's is.
    environ["SECRET_KEY"] = secrets.token_urlsafe(48)


clean_environment()
