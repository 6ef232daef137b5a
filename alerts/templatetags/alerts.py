"""``{% load alerts %}{% push_alerts_button %}``: the discreet opt-in in every page's footer.

Renders nothing while push alerts are off (no VAPID key). The markup is the same for every
reader of a language, so cached pages keep it; its script shows it only where the browser
supports Web Push, and asks for nothing before a click.
"""

from django import template

from .. import push

register = template.Library()


@register.inclusion_tag("alerts/_button.html")
def push_alerts_button():
    if not push.enabled():
        return {"enabled": False}
    return {"enabled": True, "application_server_key": push.application_server_key()}
