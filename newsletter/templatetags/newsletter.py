"""``{% load newsletter %}{% newsletter_signup %}``: the footer signup on every page."""

from django import template

from ..forms import SignupForm

register = template.Library()


@register.inclusion_tag("newsletter/_signup.html", takes_context=True)
def newsletter_signup(context):
    return {
        "form": SignupForm(auto_id="newsletter-footer-%s"),
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),  # the fragment is cached for readers, not for staff
    }
