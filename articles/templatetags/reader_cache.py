"""``{% readercache "name" vary1 vary2 %} … {% endreadercache %}``: a fragment cached for readers.

Like Django's ``{% cache %}``, but keyed on ``reader_pages_version()`` and the language (so any
published change shows at once, see ``articles/cache.py``), with the timeout from
READER_CACHE_SECONDS, and skipped for staff. Never put a form inside: CSRF tokens, anti-spam
tokens and "your comment awaits moderation" notices belong to one reader.
"""

from django import template
from django.conf import settings
from django.core.cache import cache

from ..cache import reader_cache_applies, reader_cache_key

register = template.Library()


class ReaderCacheNode(template.Node):
    def __init__(self, nodelist, name, vary):
        self.nodelist = nodelist
        self.name = name
        self.vary = vary

    def render(self, context):
        if not reader_cache_applies(context.get("request")):
            return self.nodelist.render(context)
        key = reader_cache_key(self.name.resolve(context), *(value.resolve(context) for value in self.vary))
        html = cache.get(key)
        if html is None:
            html = self.nodelist.render(context)
            cache.set(key, html, timeout=settings.READER_CACHE_SECONDS)
        return html


@register.tag
def readercache(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% readercache %} needs a fragment name.")
    nodelist = parser.parse(("endreadercache",))
    parser.delete_first_token()
    vary = [parser.compile_filter(bit) for bit in bits[2:]]
    return ReaderCacheNode(nodelist, parser.compile_filter(bits[1]), vary)
