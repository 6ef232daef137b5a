"""Shared test set-up: settings every test run needs, and small factories for the newsroom."""

import itertools
import os
import tempfile

import pytest
from django.utils import timezone

# Headless-Chromium fixtures (browser, page, …) for every app's browser tests.
pytest_plugins = ["kawalis.tests.browser"]


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Uploaded files and renditions go to a per-test folder, never the developer's media/.
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
    # Absolute links in pages, feeds and e-mails come from SITE_URL, whatever the shell holds.
    settings.SITE_URL = "http://127.0.0.1:8000"
    # The readers' cache as shipped, whatever the shell holds: no cache in front (tests of one
    # set it), pages and parts cached for their default life.
    settings.FRONTEND_CACHE = []
    settings.FRONTEND_CACHE_SECONDS, settings.FRONTEND_STALE_SECONDS = 3600, 30
    settings.FRONTEND_PURGE_REPEAT_SECONDS = 1
    settings.READER_CACHE_SECONDS, settings.READER_PAGE_CACHE = 600, True
    # Tests run with production settings, but the test client and live server speak plain HTTP;
    # kawalis/tests/test_security.py turns HTTPS back on where it checks the headers.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Background tasks run at once inside the test; kawalis/tests/test_tasks.py runs a real
    # worker against the database backend.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # No test reaches a provider: the embeds' fetches go to a closed local port (those that test
    # the fetch point it at a server of their own, articles/tests/test_embed_previews.py).
    settings.EMBED_FETCH_BASE = "http://127.0.0.1:9"
    # Test users need no brute-force-resistant hashing: a fast hasher saves ~1 s per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _arabic_first():
    # A request leaves its language active in the thread; every test starts in Arabic.
    from django.utils import translation

    translation.activate("ar")
    yield
    translation.deactivate()


def pytest_configure(config):
    # Without REDIS_URL the cache is one SQLite file shared by processes: the suite's own, in a
    # folder of its own (never the developer's running site's), shared with the processes that
    # tests start (they get CACHE_PATH in their environment).
    from django.conf import settings

    default = settings.CACHES["default"]
    if default["BACKEND"] == "kawalis.sqlite_cache.SQLiteCache":
        folder = tempfile.mkdtemp(prefix="kawalis-test-cache-")
        default["LOCATION"] = os.environ["CACHE_PATH"] = os.path.join(folder, "cache.sqlite3")


@pytest.fixture(autouse=True)
def _reader_cache_invalidated_at_commit(monkeypatch):
    """The readers' cache is invalidated after each commit; a test runs inside a transaction that
    never commits. Here an invalidation runs when the transaction it was made in would have
    committed: at once outside any transaction of the code's own, else when the code's
    outermost ``atomic()`` ends without error (a rollback drops it, as in production). Tests
    of the real timing use real transactions (``transactional_db``)."""
    from django.db import connections, transaction
    from django.db.transaction import Atomic

    from kawalis.readercache import invalidation

    def only_tests_open(connection):
        return all(getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)

    def after_commit(bump, using):
        connection = transaction.get_connection(using)
        if connection.in_atomic_block and only_tests_open(connection):
            bump()
        else:
            transaction.on_commit(bump, using=using)

    exit_atomic = Atomic.__exit__

    def exit_and_run(self, exc_type, exc_value, traceback):
        result = exit_atomic(self, exc_type, exc_value, traceback)
        connection = connections[self.using or "default"]
        if connection.in_atomic_block and only_tests_open(connection):
            due = [entry for entry in connection.run_on_commit if isinstance(entry[1], invalidation.Bump)]
            connection.run_on_commit = [entry for entry in connection.run_on_commit if entry not in due]
            for _savepoints, bump, _robust in due:
                bump()
        return result

    monkeypatch.setattr(invalidation, "after_commit", after_commit)
    monkeypatch.setattr(Atomic, "__exit__", exit_and_run)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


_sequence = itertools.count(1)


@pytest.fixture
def make_category(db):
    def make(**fields):
        n = next(_sequence)
        fields.setdefault("name_ar", f"قسم {n}")
        fields.setdefault("name_fr", f"Rubrique {n}")
        fields.setdefault("name_en", f"Section {n}")
        fields.setdefault("slug", f"section-{n}")
        from articles.models import Category

        return Category.objects.create(**fields)

    return make


@pytest.fixture
def make_article(db, make_category):
    """``make_article(title_fr=..., status="draft", ...)``: a published Arabic article by default.

    Each article of a test is published a minute before the previous one (newest first is the
    order they were made in), counted from the test's own first article: counted over the whole
    run, the suite's thousandth article would be older than a day and fall out of "today".
    """
    minutes_ago = itertools.count(1)

    def make(**fields):
        from articles.models import Article

        n = next(_sequence)
        fields.setdefault("title_ar", f"مقال رقم {n}")
        fields.setdefault("body_ar", f"<p>فقرة أولى {n}</p><p>فقرة ثانية {n}</p>")
        fields.setdefault("status", Article.Status.PUBLISHED)
        fields.setdefault("published_at", timezone.now() - timezone.timedelta(minutes=next(minutes_ago)))
        if "category" not in fields:
            fields["category"] = make_category()
        return Article.objects.create(**fields)

    return make


@pytest.fixture
def editor_user(db):
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("editor", "editor@example.com", "editor-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server on 127.0.0.1; the site's e-mail goes to it over TCP during the test."""
    from kawalis.tests.smtp_sink import SMTPSink

    with SMTPSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        yield sink
