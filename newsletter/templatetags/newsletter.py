"""``{% load newsletter %}{% newsletter_signup %}``: the footer signup on every page."""

from django import template
from django.utils.functional import SimpleLazyObject

from ..forms import SignupForm

register = template.Library()


@register.inclusion_tag("newsletter/_signup.html", takes_context=True)
def newsletter_signup(context):
    return {
        # Built only if the fragment is rendered: most pages take it from the readers' cache.
        "form": SimpleLazyObject(lambda: SignupForm(auto_id="newsletter-footer-%s")),
        "request": context.get("request"),  # the fragment is cached for readers, not for staff
    }
