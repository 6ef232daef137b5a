"""RSS 2.0 and Atom feeds: the whole site and each category, in the language of the URL.

``/feeds/rss/`` is the Arabic feed, ``/fr/feeds/rss/`` the French one (articles translated to
French only), ``/category/<slug>/feeds/atom/`` a section's Atom feed, and so on.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from kawalis.site_url import absolute_url

from .models import Article, Category

FEED_LENGTH = 30


class FeedSource:
    """What a feed is about (the whole site, or a category)."""

    def __init__(self, category=None):
        self.category = category


class LatestArticlesFeed(Feed):
    """The newest published articles of the whole site, in the reader's language."""

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        # Feed readers poll often; let caches in between keep a copy for a few minutes.
        response["Cache-Control"] = "public, max-age=300"
        return response

    def get_object(self, request, *args, **kwargs):
        return FeedSource()

    def title(self, obj):
        return settings.SITE_NAME

    # Every address from SITE_URL: Django's feeds take the request's host for relative ones.
    def link(self, obj):
        return absolute_url(reverse("articles:home"))

    def description(self, obj):
        return _("The latest news from %(site)s") % {"site": settings.SITE_NAME}

    url_name = "feed_rss"

    def feed_url(self, obj):
        return absolute_url(reverse(self.url_name))

    def articles(self, obj):
        published = Article.objects.published().in_language(get_language())
        return published.for_listing().prefetch_related("tags", "authors")

    def items(self, obj):
        items = list(self.articles(obj).order_by("-published_at", "-id")[:FEED_LENGTH])
        for item in items:
            item.feed_image_url = absolute_url(item.image.url) if item.image else None
        return items

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return absolute_url(item.get_absolute_url())

    # The number-only address never changes, even when the slug does; it is an identifier
    # (on SITE_URL), not necessarily the address the feed was read from.
    item_guid_is_permalink = False

    def item_guid(self, item):
        return absolute_url(reverse("articles:detail_short", kwargs={"pk": item.pk}))

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        names = [author.name for author in item.authors.all()]
        if item.byline:
            names.append(item.byline)
        return ", ".join(names) or settings.SITE_NAME

    def item_author_link(self, item):
        # One link per item in RSS and Atom: the first author's page.
        authors = list(item.authors.all())
        return absolute_url(authors[0].get_absolute_url()) if authors else None

    def item_categories(self, item):
        return [item.category.name, *(tag.name for tag in item.tags.all())]

    def item_enclosure_url(self, item):
        return item.feed_image_url

    def item_enclosure_length(self, item):
        if not item.image:
            return None
        try:
            return item.image.size
        except OSError:
            return 0  # RSS allows 0 when the length is unknown (the file is missing)

    def item_enclosure_mime_type(self, item):
        if not item.image:
            return None
        name = item.image.name.lower()
        if name.endswith(".png"):
            return "image/png"
        if name.endswith(".webp"):
            return "image/webp"
        if name.endswith(".gif"):
            return "image/gif"
        return "image/jpeg"


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    url_name = "feed_atom"

    def subtitle(self, obj):
        return self.description(obj)


class CategoryFeed(LatestArticlesFeed):
    """The newest articles of one category."""

    url_name = "category_feed_rss"

    def get_object(self, request, slug):
        return FeedSource(get_object_or_404(Category, slug=slug))

    def title(self, obj):
        return f"{obj.category.name} | {settings.SITE_NAME}"

    def link(self, obj):
        return absolute_url(obj.category.get_absolute_url())

    def description(self, obj):
        return _("The latest articles in %(category)s") % {"category": obj.category.name}

    def feed_url(self, obj):
        return absolute_url(reverse(self.url_name, kwargs={"slug": obj.category.slug}))

    def articles(self, obj):
        return super().articles(obj).filter(category=obj.category)


class CategoryAtomFeed(CategoryFeed):
    feed_type = Atom1Feed
    url_name = "category_feed_atom"

    def subtitle(self, obj):
        return self.description(obj)
