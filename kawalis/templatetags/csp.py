"""Template helpers for the Content Security Policy."""

from django import template
from js_asset import Media

register = template.Library()


@register.filter
def with_csp_nonce(media, request):
    """``{{ media|with_csp_nonce:request }}``: form media whose inline tags carry the CSP nonce.

    Widgets such as the rich-text editor ship an inline ``<script type="importmap">``; under a
    policy without 'unsafe-inline' the browser runs it only with this response's nonce. Django
    5.2's admin renders ``{{ media }}`` without one (6.1 adds it), so the admin's change form
    template passes it through here.
    """
    nonce = getattr(request, "csp_nonce", None)
    # django-csp's nonce is lazy and falsy until read; reading it puts it in the header.
    if nonce is None:
        return media
    return Media.from_media(media, nonce=str(nonce))
