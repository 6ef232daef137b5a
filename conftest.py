"""Shared test set-up: settings every test run needs, and small factories for the newsroom."""

import itertools

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
    # Tests run with production settings, but the test client and live server speak plain HTTP;
    # kawalis/tests/test_security.py turns HTTPS back on where it checks the headers.
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    # Background tasks run at once inside the test; kawalis/tests/test_tasks.py runs a real
    # worker against the database backend.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Test users need no brute-force-resistant hashing: a fast hasher saves ~1 s per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _arabic_first():
    # A request leaves its language active in the thread; every test starts in Arabic.
    from django.utils import translation

    translation.activate("ar")
    yield
    translation.deactivate()


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
    """``make_article(title_fr=..., status="draft", ...)``: a published Arabic article by default."""

    def make(**fields):
        from articles.models import Article

        n = next(_sequence)
        fields.setdefault("title_ar", f"مقال رقم {n}")
        fields.setdefault("body_ar", f"<p>فقرة أولى {n}</p><p>فقرة ثانية {n}</p>")
        fields.setdefault("status", Article.Status.PUBLISHED)
        fields.setdefault("published_at", timezone.now() - timezone.timedelta(minutes=n))
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
    from kawalis.smtp_sink import SMTPSink

    with SMTPSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = ""
        settings.EMAIL_HOST_PASSWORD = ""
        yield sink
