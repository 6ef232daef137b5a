"""Root URLconf. Reader pages are language-prefixed (/fr/, /en/), Arabic has no prefix."""

import re

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from django.views.i18n import set_language

from alerts.views import service_worker
from articles.feeds import CategoryAtomFeed, CategoryFeed, LatestArticlesAtomFeed, LatestArticlesFeed
from articles.sitemaps import SITEMAPS, NewsSitemap, sitemap, sitemap_index
from newsletter.views import one_click_unsubscribe

from . import health
from .media import serve_media

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", health.ready, name="healthz"),
    path("healthz/live", health.live, name="healthz_live"),
    path("healthz/ready", health.ready, name="healthz_ready"),
    # For search engines: language-neutral (each entry names its own language).
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain; charset=utf-8"),
        name="robots_txt",
    ),
    path(
        "sitemap.xml",
        sitemap_index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path(
        "news-sitemap.xml",
        sitemap,
        {"sitemaps": {"news": NewsSitemap}, "section": "news"},
        name="news_sitemap",
    ),
    # The push alerts' service worker, at the root so that its scope may be the whole site.
    path("alerts-sw.js", service_worker, name="alerts_service_worker"),
    # Language-neutral and CSRF-exempt: mailbox providers POST here (RFC 8058 one-click).
    path("newsletter/one-click/<str:token>/", one_click_unsubscribe, name="newsletter_one_click"),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("newsletter/", include("newsletter.urls")),
    path("comments/", include("comments.urls")),
    # The language prefix is the subscription's language (/fr/alerts/subscribe/).
    path("alerts/", include("alerts.urls")),
    # Feeds in the language of the prefix: /feeds/rss/ (Arabic), /fr/feeds/rss/, ...
    path("feeds/rss/", LatestArticlesFeed(), name="feed_rss"),
    path("feeds/atom/", LatestArticlesAtomFeed(), name="feed_atom"),
    path("category/<str:slug>/feeds/rss/", CategoryFeed(), name="category_feed_rss"),
    path("category/<str:slug>/feeds/atom/", CategoryAtomFeed(), name="category_feed_atom"),
    path("", include("articles.urls")),
    prefix_default_language=False,
)

if settings.MEDIA_URL.startswith("/"):
    # Uploads on the local disk (SERVE_MEDIA decides per request); a bucket has its own URL.
    media_prefix = re.escape(settings.MEDIA_URL.lstrip("/"))
    urlpatterns.insert(0, re_path(rf"^{media_prefix}(?P<path>.+)$", serve_media, name="media"))

if settings.BENCHMARK_HELLO:
    from django.http import HttpResponse

    def hello(request):
        """The benchmarks' baseline: the whole middleware stack, no template, no query."""
        return HttpResponse("hello", content_type="text/plain")

    urlpatterns.append(path("bench/hello", hello, name="bench_hello"))
