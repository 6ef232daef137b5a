"""Site-wide template context: the site's name, its base URL and the reading direction."""

from django.conf import settings
from django.utils.translation import get_language_bidi, get_language_info


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "LANGUAGE_DIR": "rtl" if get_language_bidi() else "ltr",
        "LANGUAGE_CHOICES": [
            (code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES
        ],
    }
