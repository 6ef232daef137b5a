"""Template tags of the readers' cache.

``{% readercache "name" vary1 vary2 %} … {% endreadercache %}``: a fragment cached for readers.
Like Django's ``{% cache %}``, but current until something it shows changes (its tags, and the
tags of what is cached inside it), with the timeout from READER_CACHE_SECONDS, and skipped for
staff and for anything but GET. A form may be inside: its CSRF and anti-spam tokens are holes
filled afresh for each reader. Per-reader state (errors, "your comment awaits moderation", a
reply target) must stay outside.

``{% shows "article" article.pk %}``: the fragment (and the page) around shows this thing: a
change to it makes them stale. Renders nothing.
"""

from django import template

from ..parts import fragment, tag

register = template.Library()


class ReaderCacheNode(template.Node):
    def __init__(self, nodelist, name, vary):
        self.nodelist = nodelist
        self.name = name
        self.vary = vary

    def render(self, context):
        return fragment(
            context.get("request"),
            self.name.resolve(context),
            *(value.resolve(context) for value in self.vary),
            render=lambda: self.nodelist.render(context),
        )


@register.tag
def readercache(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% readercache %} needs a fragment name.")
    nodelist = parser.parse(("endreadercache",))
    parser.delete_first_token()
    vary = [parser.compile_filter(bit) for bit in bits[2:]]
    return ReaderCacheNode(nodelist, parser.compile_filter(bits[1]), vary)


@register.simple_tag
def shows(kind, identifier=None):
    tag(kind if identifier is None else f"{kind}:{identifier}")
    return ""
