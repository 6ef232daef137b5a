"""``{% load popularity %}{% most_read %}``: the "الأكثر قراءة" block (last 24 hours, last 7 days)."""

from django import template

from ..popularity import most_read_lists

register = template.Library()


@register.inclusion_tag("articles/_most_read.html")
def most_read():
    return {"most_read": most_read_lists()}
