"""Template helpers of the articles app: dates, safe HTML, the category menu."""

from django import template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from kawalis.readercache import cached, tag

from .. import embeds, images, search
from ..arabic import newsroom_date as format_newsroom_date
from ..models import CATEGORIES_TAG, Category, CategoryTree
from ..sanitize import plain_text, sanitize_html

register = template.Library()


@register.filter
def newsroom_date(value, arg="datetime"):
    """``{{ article.published_at|newsroom_date }}``; ``|newsroom_date:"date"`` drops the time."""
    return format_newsroom_date(value, get_language(), with_time=arg != "date")


@register.filter
def machine_datetime(value):
    """``<time datetime="{{ value|machine_datetime }}">``: local time, to the second, with its
    offset (HTML allows at most three digits of a second's fraction; Django's ``|date:"c"``
    prints six)."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()


@register.filter
def sanitized(html):
    """Editors' HTML, re-sanitised on output (defence in depth: it was cleaned on save too)."""
    return mark_safe(sanitize_html(html))


@register.filter
def with_embeds(html, known=None):
    """A sanitised body with its embeds as the site's placeholders (``embeds.with_placeholders``);
    ``known``: the previews read already for a list of bodies (``LiveEntry.embed_previews``)."""
    return mark_safe(embeds.with_placeholders(html, known))


@register.filter
def has_embeds(html):
    return bool(embeds.embeds_in(html))


@register.inclusion_tag("articles/_picture.html")
def article_picture(article, sizes="100vw", lead=False, alt="", css_class=""):
    """``<picture>`` for ``article.image``: WebP and JPEG renditions, sized to avoid layout shift.

    ``lead=True`` for the image at the top of the page (loaded at once, with high priority);
    every other image loads lazily when the reader scrolls to it. Needs no query.
    """
    picture = images.picture(article)
    return {"picture": picture, "sizes": sizes, "lead": lead, "alt": alt, "css_class": css_class}


def category_tree(request):
    """Every category and who sits under whom (``CategoryTree``), read once per reader-pages
    version, not per request (staff read it fresh): the menu is on every page."""

    def compute():
        tag(CATEGORIES_TAG)
        return list(Category.objects.all())

    return CategoryTree(cached(request, "categories", compute=compute))


@register.inclusion_tag("articles/_category_menu.html", takes_context=True)
def category_menu(context):
    """The site menu: the top-level sections (their subcategories are on their pages)."""
    request = context.get("request")
    return {"categories": category_tree(request).top_level(), "request": request}


@register.simple_tag(takes_context=True)
def translated_path(context, language):
    """The current page's address in another language (for the language switcher, hreflang)."""
    from django.urls import translate_url

    from kawalis.site_url import stays_on_site

    request = context.get("request")
    path = translate_url(request.get_full_path(), language) if request is not None else ""
    if stays_on_site(path) and path.startswith("/"):
        return path
    # No such page (a 404 for "//evil.example/" would link there as it is): the language's home.
    with translation.override(language):
        return reverse("articles:home")


@register.simple_tag
def fallback_attrs(obj, field):
    """` lang="ar" dir="rtl"` when ``obj.field`` shows the Arabic original for want of a translation.

    Screen readers and the browser's text shaping need to know that a block is in another
    language than the page around it.
    """
    from django.conf import settings
    from django.utils.html import format_html

    language = get_language()
    if language == settings.LANGUAGE_CODE or getattr(obj, f"{field}_{language}", None):
        return ""
    return format_html(' lang="{}" dir="rtl"', settings.LANGUAGE_CODE)


@register.filter
def highlight(text, terms):
    """``{{ article.title|highlight:terms }}``: escaped, the words a search found in ``<mark>``."""
    return search.highlight(text, terms)


@register.simple_tag
def search_snippet(article, terms):
    """A search result's words from ``article``'s lead or body in the reader's language,
    around the first word found and highlighted ("" if it has neither)."""
    language = get_language()
    lead = getattr(article, f"lead_{language}", None)
    body = plain_text(getattr(article, f"body_{language}", None))
    return search.snippet([lead, body], terms)
