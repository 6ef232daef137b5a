"""Meta tags of the article page: ``{% load seo %}{% article_meta article %}`` in ``{% block meta %}``."""

from django import template
from django.utils.translation import get_language

from ..seo import article_card, json_ld_script

register = template.Library()


@register.inclusion_tag("articles/_article_meta.html", takes_context=True)
def article_meta(context, article):
    card = article_card(article, context["request"], get_language(), coverage=context.get("coverage"))
    return {"card": card, "article": article, "structured_data": json_ld_script(card["structured_data"])}


@register.simple_tag
def seo_title(article):
    """The page title: the editor's SEO title in the shown language, else the headline."""
    return article.seo_title_in(get_language())
