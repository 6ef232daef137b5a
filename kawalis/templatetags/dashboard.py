from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from ..dashboard import panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_panels(context):
    """Render every dashboard panel the current user may see."""
    request = context["request"]
    # Each piece is the output of an auto-escaping template, so joining them stays safe.
    return mark_safe(
        "".join(
            render_to_string(panel["template"], {**panel, "request": request}, request=request)
            for panel in panels_for(request)
        )
    )
