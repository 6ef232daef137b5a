"""Kawalis settings: every deployment-specific value comes from the environment.

Each variable is documented in README.md ("Configuration"). The defaults are for a
developer's machine only; with DEBUG off the site refuses to start without a real
SECRET_KEY.
"""

import os
import re
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

_INSECURE_KEY = "django-insecure-development-only-key"
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a long random value (or DEBUG=1 for development)."
        )
    SECRET_KEY = _INSECURE_KEY
elif not DEBUG and (SECRET_KEY == _INSECURE_KEY or len(SECRET_KEY) < 50):
    # 50, as Django's own deploy check (security.W009) asks.
    raise ImproperlyConfigured("SECRET_KEY is too weak for production: use 50+ random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")

# Absolute base URL used where no request is at hand (e-mails, feeds built offline).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # modeltranslation must come before django.contrib.admin to patch its forms.
    "modeltranslation",
    # The admin with a throttled login (kawalis/admin_site.py); still django.contrib.admin.
    "kawalis.apps.KawalisAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_prose_editor",
    # Article revisions: every admin save of an article is kept (articles/revisions.py).
    "reversion",
    # Staff two-factor sign-in (STAFF_2FA; kawalis/two_factor.py): authenticator-app codes (TOTP).
    "django_otp",
    "django_otp.plugins.otp_totp",
    # Background work (newsletter sending, notification e-mails): Django's tasks framework
    # (built into Django 6.0; the backport here) with its database backend. README "Tasks".
    "django_tasks",
    "kawalis.apps.TaskResultsConfig",  # django_tasks_db, with a translated name in the admin
    "kawalis",
    # The readers' cache (parts, fragments, whole pages), made stale by tag: no models.
    "kawalis.readercache",
    "articles",
    "comments",
    "newsletter",
    # Breaking-news push alerts (Web Push: VAPID, aes128gcm), sent by the worker (alerts/).
    "alerts",
    # Moving a WordPress newsroom in: manage.py import_wordpress (wordpress/).
    "wordpress",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files straight after the security headers: no session or database work for them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A NUL or other control character in the path or query: 400 (kawalis/bad_requests.py).
    "kawalis.bad_requests.RefuseControlCharactersMiddleware",
    # Outside any page cache: it must see every article page response, cached ones included.
    "articles.popularity.ViewCountingMiddleware",
    # Stored reader pages for anonymous readers, before sessions, users and messages (which such
    # a reader has none of): the middleware after the skipped ones still run for those pages.
    "kawalis.readercache.pages.ReaderPageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Old addresses (a WordPress site's permalinks): consulted only for what would be a 404.
    # After the language is known, so that /fr/... resolves as itself.
    "articles.redirects.RedirectMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): signed in with a second factor (kawalis/two_factor.py).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

# A translated 403 that keeps what a reader typed (kawalis/csrf.py).
CSRF_FAILURE_VIEW = "kawalis.csrf.csrf_failure"
ROOT_URLCONF = "kawalis.urls"
WSGI_APPLICATION = "kawalis.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kawalis.context_processors.site",
                # {{ CSP_NONCE }} for the rare inline <script> (README "Content Security Policy").
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
# SQLite file by default; DATABASE_URL=postgres://user@host:5432/name in production.


def database_from_url(url, connect_timeout=5, statement_timeout_ms=None):
    """The ``DATABASES`` entry for ``url``, with PostgreSQL's time limits as libpq options.

    A PostgreSQL that accepts connections and never answers (frozen, or behind a stuck network
    path) would otherwise hold every request that opens a connection for as long as the
    kernel's TCP retries last: ``connect_timeout`` gives up after that many seconds (the
    request then answers 503, kawalis/outages.py). ``statement_timeout_ms``, when set, ends any
    query that runs longer, so one slow query cannot hold a web worker either.
    """
    database = dj_database_url.parse(
        url,
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    if database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        if connect_timeout:
            options.setdefault("connect_timeout", int(connect_timeout))
        if statement_timeout_ms:
            limit = f"-c statement_timeout={int(statement_timeout_ms)}"
            options["options"] = f"{options.get('options', '')} {limit}".strip()
    return database


DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        connect_timeout=int(os.environ.get("DB_CONNECT_TIMEOUT", "5")),
        statement_timeout_ms=int(os.environ.get("DB_STATEMENT_TIMEOUT") or 0) or None,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Persistent connections (above) are checked before reuse (conn_health_checks), so a database
# restart costs one failed ping, not a failed request.

# --- Cache -----------------------------------------------------------------
# Redis when REDIS_URL is set (shared by every web process and worker of every server), else
# one SQLite file shared by every process of this machine (kawalis/sqlite_cache.py): web
# workers, commands and the task worker see each other's changes at once either way.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "kawalis.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "kawalis"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "kawalis.sqlite_cache.SQLiteCache",
            "LOCATION": os.environ.get("CACHE_PATH") or str(BASE_DIR / "cache.sqlite3"),
        }
    }

# Redis is an accelerator, not a part every page needs (kawalis/redis_cache.py): a command gets
# an answer within REDIS_SOCKET_TIMEOUT seconds (a connection within REDIS_CONNECT_TIMEOUT) or
# counts as failed; after REDIS_BREAKER_FAILURES failures in a row, this process stops asking for
# REDIS_BREAKER_SECONDS and works from the database meanwhile. README "When Redis is away".
REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "0.25"))
REDIS_CONNECT_TIMEOUT = float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.25"))
REDIS_BREAKER_FAILURES = int(os.environ.get("REDIS_BREAKER_FAILURES", "3"))
REDIS_BREAKER_SECONDS = float(os.environ.get("REDIS_BREAKER_SECONDS", "5"))
if min(REDIS_SOCKET_TIMEOUT, REDIS_CONNECT_TIMEOUT, REDIS_BREAKER_SECONDS) <= 0 or REDIS_BREAKER_FAILURES < 1:
    raise ImproperlyConfigured(
        "REDIS_SOCKET_TIMEOUT, REDIS_CONNECT_TIMEOUT and REDIS_BREAKER_SECONDS must be above 0, "
        "REDIS_BREAKER_FAILURES 1 or more."
    )

# Sessions live in the database and are read through the cache: any web server can answer any
# request (nothing on local disk or memory), and most requests skip the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Background tasks ----------------------------------------------------------
# "database": tasks are rows in PostgreSQL, run by `manage.py db_worker` on any machine that
# reaches the database. "immediate": run at once in the web process (development, tests).
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate" if DEBUG else "database")
if TASKS_BACKEND not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)}, not {TASKS_BACKEND!r}."
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[TASKS_BACKEND]}}
# `manage.py run_worker` records a heartbeat this often (seconds); a worker silent for three
# beats is lost, and the tasks it was running are marked failed (kawalis/worker_watch.py).
TASK_WORKER_BEAT_SECONDS = float(os.environ.get("TASK_WORKER_BEAT_SECONDS", "10"))

# Embeds' titles and thumbnails (articles/embed_fetch.py): for tests only, an origin that takes
# every request meant for a provider's host (never set in production: no environment variable).
EMBED_FETCH_BASE = ""

# Readers' pages: how long a cached page or part lives at most. Every change makes what shows it
# stale at once anyway, and what comes by the clock too (a scheduled story when its time comes,
# the breaking-news strip), kawalis/readercache; this bounds only what changes by the clock with
# nothing said (a comment form closing by age, COMMENTS_CLOSE_AFTER_DAYS).
READER_CACHE_SECONDS = int(os.environ.get("READER_CACHE_SECONDS", "600"))
# Whole reader pages cached (with their per-reader holes filled on the way out); off, pages are
# rendered on each request from the cached parts (the benchmark's "cold" mode).
READER_PAGE_CACHE = env_bool("READER_PAGE_CACHE", True)
# Each worker process keeps copies of the pages it served lately, up to this many megabytes, so
# that the cache sends a page only when it changed (every copy is checked on every request).
READER_PAGE_WORKER_MB = float(os.environ.get("READER_PAGE_WORKER_MB", "32"))
# A shared cache in front (kawalis/readercache/front.py): the purge URLs of the Varnish servers
# (comma-separated, e.g. http://127.0.0.1:6081/), or empty for none. With it, reader pages are
# public for at most FRONTEND_CACHE_SECONDS (and never longer than they are valid here), served
# stale for FRONTEND_STALE_SECONDS while refetched, and purged by tag after every commit, then
# again FRONTEND_PURGE_REPEAT_SECONDS later for a fetch that was in flight.
FRONTEND_CACHE = env_list("FRONTEND_CACHE")
if any(not url.startswith(("http://", "https://")) for url in FRONTEND_CACHE):
    raise ImproperlyConfigured("FRONTEND_CACHE must list http:// or https:// purge URLs, or be empty.")
FRONTEND_CACHE_SECONDS = int(os.environ.get("FRONTEND_CACHE_SECONDS", "3600"))
FRONTEND_STALE_SECONDS = int(os.environ.get("FRONTEND_STALE_SECONDS", "30"))
FRONTEND_PURGE_REPEAT_SECONDS = float(os.environ.get("FRONTEND_PURGE_REPEAT_SECONDS", "1"))

# The benchmarks (bench/run.py) compare reader pages with a trivial view served by the same
# server; it exists only when this is on.
BENCHMARK_HELLO = env_bool("BENCHMARK_HELLO", False)

# --- E-mail ----------------------------------------------------------------


def email_settings_from_url(url):
    """Translate EMAIL_URL (smtp://user:pass@host:port?tls=1, or console://) to settings."""
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "locmem":
        return {"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme not in {"smtp", "smtps"}:
        raise ImproperlyConfigured(f"EMAIL_URL scheme {parts.scheme!r} is not smtp, smtps or console.")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "127.0.0.1",
        "EMAIL_PORT": parts.port or (465 if parts.scheme == "smtps" else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": query.get("tls", "0") in {"1", "true", "yes"},
        "EMAIL_TIMEOUT": int(query.get("timeout", "20")),
    }


globals().update(email_settings_from_url(os.environ.get("EMAIL_URL", "")))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "كواليس اليوم <no-reply@kawalis.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Auth ------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages and time ------------------------------------------------------
# Arabic first: its URLs carry no prefix; /fr/ and /en/ do.
LANGUAGE_CODE = "ar"
LANGUAGES = [
    ("ar", _("Arabic")),
    ("fr", _("French")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format across the admin and the site: day first, Moroccan month names (kawalis/formats).
FORMAT_MODULE_PATH = ["kawalis.formats"]
USE_I18N = True
TIME_ZONE = "Africa/Casablanca"
USE_TZ = True

MODELTRANSLATION_DEFAULT_LANGUAGE = "ar"
MODELTRANSLATION_LANGUAGES = ("ar", "fr", "en")
# A missing translation shows the Arabic original; templates mark such blocks lang="ar" dir="rtl".
MODELTRANSLATION_FALLBACK_LANGUAGES = ("ar",)

# --- Static and media --------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# The admin's translation tabs (modeltranslation) need jQuery UI: served by us, not by a CDN.
# static/jquery-ui/ holds the upstream release file and its licence (1.14.2; XStatic-jquery-ui
# stopped at 1.13.0, open to CVE-2022-31160). To update: `npm pack jquery-ui@X`, copy
# dist/jquery-ui.min.js and LICENSE.txt; kawalis/tests/test_jquery_ui.py checks the version.
JQUERY_UI_URL = "jquery-ui/jquery-ui.min.js"
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))


def media_storage_from_env():
    """Uploads on the local disk by default; MEDIA_STORAGE=s3 puts them in an S3-compatible bucket.

    With several web servers the disk of one is invisible to the others, so production with
    more than one machine uses a bucket (AWS S3, MinIO, Scaleway, Cloudflare R2...).
    """
    kind = os.environ.get("MEDIA_STORAGE", "filesystem").strip().lower()
    if kind == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'filesystem' or 's3', not {kind!r}.")
    bucket = os.environ.get("S3_BUCKET", "")
    if not bucket:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs S3_BUCKET (and S3_ENDPOINT_URL off AWS).")
    options = {
        "bucket_name": bucket,
        "endpoint_url": os.environ.get("S3_ENDPOINT_URL") or None,
        "region_name": os.environ.get("S3_REGION") or None,
        "custom_domain": os.environ.get("S3_CUSTOM_DOMAIN") or None,
        # Credentials come from S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY, or from the machine's
        # role when those are empty (boto3's usual chain).
        "access_key": os.environ.get("S3_ACCESS_KEY_ID") or None,
        "secret_key": os.environ.get("S3_SECRET_ACCESS_KEY") or None,
        # Public images, private everything else: no ACL header, the bucket policy decides.
        "default_acl": None,
        "querystring_auth": env_bool("S3_QUERYSTRING_AUTH", False),
        "file_overwrite": False,
        # Upload names never repeat (file_overwrite off), so browsers and CDNs may keep them.
        "object_parameters": {"CacheControl": "public, max-age=31536000"},
    }
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": media_storage_from_env(),
    # Hashed names (cache forever), gzip-compressed copies, served by WhiteNoise from every web
    # server: `manage.py collectstatic` at deploy time.
    "staticfiles": {"BACKEND": "kawalis.static_storage.StaticFilesStorage"},
}
# Uploads are served by Django itself (kawalis.media, images only) unless a bucket or a front
# server does it.
SERVE_MEDIA = env_bool("SERVE_MEDIA", STORAGES["default"]["BACKEND"].endswith("FileSystemStorage"))

# Uploads: refuse anything that would make Pillow decode a "decompression bomb".
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
ARTICLE_IMAGE_MAX_BYTES = int(os.environ.get("ARTICLE_IMAGE_MAX_BYTES", str(15 * 1024 * 1024)))
ARTICLE_IMAGE_MAX_PIXELS = int(os.environ.get("ARTICLE_IMAGE_MAX_PIXELS", str(40_000_000)))

# --- Site --------------------------------------------------------------------
SITE_NAME = "كواليس اليوم"
ARTICLES_PER_PAGE = int(os.environ.get("ARTICLES_PER_PAGE", "12"))
# How many articles the "شاهد أيضا" (see also) block shows: editors' picks, then automatic ones.
SEE_ALSO_LIMIT = int(os.environ.get("SEE_ALSO_LIMIT", "4"))
# Searches one network (its /24, or /64 for IPv6) may make per minute before "429 Too many
# requests" (kawalis/ratelimit.py); 0: no limit. A search the readers' cache cannot answer reads
# the database, so many at once are how one client would hold every worker.
SEARCHES_PER_NETWORK = int(os.environ.get("SEARCHES_PER_NETWORK", "60"))

# --- Security ------------------------------------------------------------------
# HTTPS=1 (the default without DEBUG) turns on everything that assumes the site is served over
# TLS: redirect to https, secure cookies, HSTS. Set HTTPS=0 only on a private network.
HTTPS = env_bool("HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
# Load balancers probe /healthz over plain HTTP inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^healthz(/live|/ready)?$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600) if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Behind a reverse proxy or load balancer that terminates TLS, Django sees plain HTTP: trust
# the proxy's X-Forwarded-Proto (only there: a client could send the header itself otherwise).
BEHIND_PROXY = env_bool("BEHIND_PROXY", False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


# Content Security Policy (django-csp until Django 6.0 has it built in). Scripts only from our
# own origin or carrying this response's nonce: an injected <script> or onclick= never runs.
# Uploads may come from a bucket or CDN (MEDIA_URL), so its origin may serve images.
_MEDIA_ORIGINS = [origin for origin in [_origin(MEDIA_URL), _origin(STATIC_URL)] if origin]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        # The rich-text editor (tiptap) injects one fixed <style> element for its own layout:
        # that exact text is allowed by its hash, nothing else inline.
        "style-src": [SELF, NONCE, "'sha256-PlumsSlvJ7vvWzjqibGAYKq92O3y/4JTxWWsWJvyUYA='"],
        "img-src": [SELF, "data:", *_MEDIA_ORIGINS],
        "font-src": [SELF, *_MEDIA_ORIGINS],
        "connect-src": [SELF],
        # The frames of the embed providers (articles/embeds.py, a test holds the two together),
        # loaded only when a reader asks for one; no other site may be framed.
        "frame-src": [
            "https://platform.twitter.com",
            "https://www.dailymotion.com",
            "https://www.facebook.com",
            "https://www.instagram.com",
            "https://www.tiktok.com",
            "https://www.youtube-nocookie.com",
        ],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": [os.environ["CSP_REPORT_URI"]]} if os.environ.get("CSP_REPORT_URI") else {}),
    },
}

# Admin sign-in throttle (kawalis/admin_site.py): failed attempts counted in the shared cache,
# per username, per address and per network (its /24, or /64 for IPv6), over a window; past any
# limit sign-in is refused for the rest of the window.
LOGIN_FAILURES_PER_USERNAME = int(os.environ.get("LOGIN_FAILURES_PER_USERNAME", "5"))
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "20"))
LOGIN_FAILURES_PER_NETWORK = int(os.environ.get("LOGIN_FAILURES_PER_NETWORK", "40"))
LOGIN_THROTTLE_SECONDS = int(os.environ.get("LOGIN_THROTTLE_SECONDS", str(15 * 60)))

# Staff two-factor sign-in (kawalis/two_factor.py, README "Two-factor sign-in"): with STAFF_2FA=1,
# superusers and members of the Editor and Administrator groups give an authenticator-app code
# (or a recovery code) after their password. Off by default.
STAFF_2FA = env_bool("STAFF_2FA", False)
# The name the authenticator app shows beside the account.
OTP_TOTP_ISSUER = os.environ.get("STAFF_2FA_ISSUER", "Kawalis")
# Code attempts are counted by the sign-in throttle above (one rule, one message, shared by every
# web process); django-otp's own per-device back-off would refuse a right code after a typo.
OTP_TOTP_THROTTLE_FACTOR = 0

# --- Newsletter ----------------------------------------------------------------
# Messages per second each sender may hand to the SMTP server (0: as fast as it accepts).
NEWSLETTER_MAX_PER_SECOND = float(os.environ.get("NEWSLETTER_MAX_PER_SECOND", "10"))
# How often the digest of new articles goes out: daily, weekly (on Mondays) or off.
NEWSLETTER_DIGEST = os.environ.get("NEWSLETTER_DIGEST", "daily").strip().lower()
if NEWSLETTER_DIGEST not in {"daily", "weekly", "off"}:
    raise ImproperlyConfigured("NEWSLETTER_DIGEST must be daily, weekly or off.")
# Local hour (0-23) from which the day's (or week's) digest is due.
NEWSLETTER_DIGEST_HOUR = int(os.environ.get("NEWSLETTER_DIGEST_HOUR", "7"))
# Days a confirmation link stays valid; minutes before the form may send another one.
NEWSLETTER_CONFIRM_DAYS = int(os.environ.get("NEWSLETTER_CONFIRM_DAYS", "7"))
NEWSLETTER_RESEND_MINUTES = int(os.environ.get("NEWSLETTER_RESEND_MINUTES", "10"))
# Signup posts one IP address, and its network (its /24, or /64 for IPv6), may make per hour
# before they get "429 Too many requests" (kawalis/ratelimit.py).
NEWSLETTER_SIGNUPS_PER_IP = int(os.environ.get("NEWSLETTER_SIGNUPS_PER_IP", "20"))
NEWSLETTER_SIGNUPS_PER_NETWORK = int(os.environ.get("NEWSLETTER_SIGNUPS_PER_NETWORK", "20"))
# Attempts at a temporarily refused e-mail before it counts as failed (back-off doubles each time).
NEWSLETTER_MAX_ATTEMPTS = int(os.environ.get("NEWSLETTER_MAX_ATTEMPTS", "5"))
NEWSLETTER_RETRY_SECONDS = int(os.environ.get("NEWSLETTER_RETRY_SECONDS", "300"))
# On PostgreSQL, 0 lets the sender's "sent" records skip the wait for the disk (README explains
# the trade: only a crash of the database server itself could then repeat a few messages).
NEWSLETTER_SYNCHRONOUS_COMMIT = env_bool("NEWSLETTER_SYNCHRONOUS_COMMIT", True)


def bounce_address_from_env(sender):
    """NEWSLETTER_BOUNCE_ADDRESS, or the sender's own address: where bounces and complaints go.

    Each newsletter e-mail's return path is this address with a signed token after a "+"
    (newsletter/return_path.py), so the mail system that bounces it names the delivery.
    """
    address = os.environ.get("NEWSLETTER_BOUNCE_ADDRESS", "").strip() or parseaddr(sender)[1]
    if not re.fullmatch(r'[^@\s<>",;()\[\]\\]+@[^@\s<>",;()\[\]\\]+', address):
        raise ImproperlyConfigured(
            f"NEWSLETTER_BOUNCE_ADDRESS must be a plain address like bounces@example.com, not {address!r}."
        )
    # RFC 5321 allows 64 characters before the "@"; the token takes up to 40 of them.
    if len(address.split("@")[0]) > 24:
        raise ImproperlyConfigured("NEWSLETTER_BOUNCE_ADDRESS: keep the part before the @ to 24 characters.")
    return address


# Bounces and complaints that come back after the SMTP server accepted a message
# (`manage.py read_bounces`): the return address, and soft bounces allowed within a window.
NEWSLETTER_BOUNCE_ADDRESS = bounce_address_from_env(DEFAULT_FROM_EMAIL)
NEWSLETTER_SOFT_BOUNCE_LIMIT = int(os.environ.get("NEWSLETTER_SOFT_BOUNCE_LIMIT", "3"))
NEWSLETTER_SOFT_BOUNCE_DAYS = int(os.environ.get("NEWSLETTER_SOFT_BOUNCE_DAYS", "30"))
if NEWSLETTER_SOFT_BOUNCE_LIMIT < 1 or NEWSLETTER_SOFT_BOUNCE_DAYS < 1:
    raise ImproperlyConfigured(
        "NEWSLETTER_SOFT_BOUNCE_LIMIT and NEWSLETTER_SOFT_BOUNCE_DAYS must be 1 or more."
    )
# Where `read_bounces` reads when given no --maildir or --imap: a Maildir folder the MTA
# delivers the bounce address to, and/or an IMAP mailbox (imaps://user:password@host/INBOX).
NEWSLETTER_BOUNCE_MAILDIR = os.environ.get("NEWSLETTER_BOUNCE_MAILDIR", "")
NEWSLETTER_BOUNCE_IMAP = os.environ.get("NEWSLETTER_BOUNCE_IMAP", "")
# --- Push alerts (alerts/) ------------------------------------------------------
# The VAPID key pair (RFC 8292) that signs every push request; `manage.py generate_vapid_keys`
# makes one. The private key as base64url (raw 32 bytes or DER) or PEM; the public key is
# derived from it when not given. Without a private key the feature is off: no button.
VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY", "").strip()
VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY", "").strip()
# Who push services may contact about our traffic: a mailto: (or https:) address.
VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT", "").strip()
if VAPID_PRIVATE_KEY and not VAPID_SUBJECT.startswith(("mailto:", "https://")):
    raise ImproperlyConfigured(
        "VAPID_SUBJECT must be a mailto: address (or an https:// URL) with VAPID keys."
    )
# Push requests each sender makes per second (0: no limit).
ALERTS_MAX_PER_SECOND = float(os.environ.get("ALERTS_MAX_PER_SECOND", "50"))
# Tries of a push the service refused for now (429, 5xx), and the first wait (it doubles;
# a longer Retry-After wins).
ALERTS_MAX_ATTEMPTS = int(os.environ.get("ALERTS_MAX_ATTEMPTS", "5"))
ALERTS_RETRY_SECONDS = int(os.environ.get("ALERTS_RETRY_SECONDS", "30"))
# Longest a sender waits in place for due retries before leaving them to the next run.
ALERTS_MAX_RETRY_WAIT = int(os.environ.get("ALERTS_MAX_RETRY_WAIT", "600"))
# How long the push service keeps an alert for a browser that is offline (TTL, RFC 8030).
ALERTS_TTL_SECONDS = int(os.environ.get("ALERTS_TTL_SECONDS", "3600"))
# Hosts a subscription's endpoint may name (fnmatch patterns): the browsers' push services.
# The site posts to whatever a reader subscribed with, so anything else is refused.
ALERTS_PUSH_SERVICES = env_list(
    "ALERTS_PUSH_SERVICES",
    "fcm.googleapis.com,android.googleapis.com,updates.push.services.mozilla.com,"
    "web.push.apple.com,*.notify.windows.com",
)
# Subscribe posts one address, and its network (/24, or /64 for IPv6), may make per hour.
ALERTS_SUBSCRIBES_PER_IP = int(os.environ.get("ALERTS_SUBSCRIBES_PER_IP", "20"))
ALERTS_SUBSCRIBES_PER_NETWORK = int(os.environ.get("ALERTS_SUBSCRIBES_PER_NETWORK", "30"))

# --- Newsroom tools (articles: breaking news, most read) ------------------------
# Breaking-news lines may link only to this site unless this is on.
BREAKING_ALLOW_EXTERNAL_LINKS = env_bool("BREAKING_ALLOW_EXTERNAL_LINKS", False)
# Count article views for "most read" (buffered in the cache, flushed by `flush_view_counts`).
VIEW_COUNTING = env_bool("VIEW_COUNTING", True)
# A reader reloading the same article within this many seconds is counted once.
VIEW_REPEAT_SECONDS = int(os.environ.get("VIEW_REPEAT_SECONDS", "1800"))

# --- Comments ----------------------------------------------------------------
# Pre-moderation by default: nothing a reader posts is shown before a moderator approves it.
COMMENTS_POST_MODERATION = env_bool("COMMENTS_POST_MODERATION", False)
# Articles stop taking comments this many days after publication (0: never by age).
COMMENTS_CLOSE_AFTER_DAYS = int(os.environ.get("COMMENTS_CLOSE_AFTER_DAYS", "0"))
COMMENTS_PER_PAGE = int(os.environ.get("COMMENTS_PER_PAGE", "50"))  # top-level threads per page
COMMENTS_MAX_LENGTH = int(os.environ.get("COMMENTS_MAX_LENGTH", "3000"))
COMMENTS_MAX_DEPTH = 3  # a reply to a reply to a comment; deeper replies join the last level
# More links than this and a comment goes to the spam queue instead of the moderation queue.
COMMENTS_MAX_LINKS = int(os.environ.get("COMMENTS_MAX_LINKS", "2"))
# The form's signed time token: sent faster than this is a bot, older than that has expired.
COMMENTS_MIN_FILL_SECONDS = int(os.environ.get("COMMENTS_MIN_FILL_SECONDS", "3"))
COMMENTS_FORM_MAX_AGE = int(os.environ.get("COMMENTS_FORM_MAX_AGE", str(2 * 24 * 3600)))
# Rate limits (kawalis/ratelimit.py), in the cache every process shares: posts per window from
# one address, from its network (its /24, or /64 for IPv6) and by one e-mail; reports an hour.
COMMENTS_RATE_WINDOW = int(os.environ.get("COMMENTS_RATE_WINDOW", "600"))
COMMENTS_RATE_LIMIT_IP = int(os.environ.get("COMMENTS_RATE_LIMIT_IP", "10"))
COMMENTS_RATE_LIMIT_NETWORK = int(os.environ.get("COMMENTS_RATE_LIMIT_NETWORK", "20"))
COMMENTS_RATE_LIMIT_EMAIL = int(os.environ.get("COMMENTS_RATE_LIMIT_EMAIL", "5"))
COMMENTS_REPORT_LIMIT_IP = int(os.environ.get("COMMENTS_REPORT_LIMIT_IP", "10"))
COMMENTS_REPORT_LIMIT_NETWORK = int(os.environ.get("COMMENTS_REPORT_LIMIT_NETWORK", "20"))
# Behind a reverse proxy, the request header that carries the reader's address (e.g.
# HTTP_X_REAL_IP); empty: the last X-Forwarded-For hop with BEHIND_PROXY, else REMOTE_ADDR.
# Only set it when the proxy overwrites that header. kawalis/client_address.py uses it for
# every rate limit.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "")
# Addresses told (at most every 15 minutes) that comments wait for moderation; empty: nobody.
COMMENTS_MODERATOR_EMAILS = env_list("COMMENTS_MODERATOR_EMAILS")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Logs leave the machine (journald, a log service): no e-mail addresses or tokens in them.
    "filters": {"redact": {"()": "kawalis.logs.RedactPersonalData"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO").upper()},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
