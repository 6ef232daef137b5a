"""The "شاهد أيضا" (see also) block: ``{% load see_also %}{% see_also article %}``."""

from django import template
from django.utils.translation import get_language

from ..see_also import see_also as articles_to_show

register = template.Library()


@register.inclusion_tag("articles/_see_also.html")
def see_also(article):
    return {"articles": articles_to_show(article, get_language())}
