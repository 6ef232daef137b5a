"""Root URLconf. Reader pages are language-prefixed (/fr/, /en/), Arabic has no prefix."""

import re

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language

from newsletter.views import one_click_unsubscribe

from .health import healthz
from .media import serve_media

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
    # Language-neutral and CSRF-exempt: mailbox providers POST here (RFC 8058 one-click).
    path("newsletter/one-click/<str:token>/", one_click_unsubscribe, name="newsletter_one_click"),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("newsletter/", include("newsletter.urls")),
    path("comments/", include("comments.urls")),
    path("", include("articles.urls")),
    prefix_default_language=False,
)

if settings.MEDIA_URL.startswith("/"):
    # Uploads on the local disk (SERVE_MEDIA decides per request); a bucket has its own URL.
    media_prefix = re.escape(settings.MEDIA_URL.lstrip("/"))
    urlpatterns.insert(0, re_path(rf"^{media_prefix}(?P<path>.+)$", serve_media, name="media"))
