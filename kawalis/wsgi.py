"""WSGI entry point (gunicorn kawalis.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kawalis.settings")

application = get_wsgi_application()
