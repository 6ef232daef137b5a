"""Meta tags of the article page: ``{% load seo %}{% article_meta article %}`` in ``{% block meta %}``."""

from django import template
from django.urls import reverse
from django.utils.translation import get_language, gettext

from ..seo import article_card, breadcrumb_list, json_ld_script

register = template.Library()


@register.inclusion_tag("articles/_article_meta.html", takes_context=True)
def article_meta(context, article):
    card = article_card(article, context["request"], get_language(), coverage=context.get("coverage"))
    return {"card": card, "article": article, "structured_data": json_ld_script(card["structured_data"])}


@register.simple_tag
def seo_title(article):
    """The page title: the editor's SEO title in the shown language, else the headline."""
    return article.seo_title_in(get_language())


@register.simple_tag
def category_breadcrumb(category, ancestors):
    """The BreadcrumbList of a section's page: home, the sections above it, the section."""
    trail = [(gettext("Home"), reverse("articles:home"))]
    trail += [(shown.name, shown.get_absolute_url()) for shown in [*ancestors, category]]
    return json_ld_script(breadcrumb_list(trail))
