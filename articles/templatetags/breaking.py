"""``{% load breaking %}{% breaking_news %}``: the "عاجل" strip on every reader page."""

from django import template

from ..breaking import current_breaking_news

register = template.Library()


@register.inclusion_tag("articles/_breaking_news.html")
def breaking_news():
    return {"lines": current_breaking_news()}
