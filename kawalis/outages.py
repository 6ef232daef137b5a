"""A reader's write that cannot be stored: a clear 503, with what they typed kept in the form.

When the database cannot be reached (refused, dropped, timed out), a comment or a signup cannot
be stored. ``@answers_503_while_the_database_is_away(page)`` turns that failure into ``page``
(the reader's form again, filled with what they sent, in the site's design and language) with
``503 Service Unavailable`` and ``Retry-After``, instead of the bare 500 page that lost their
words. Nothing half-done is left: the view failed before anything was stored, and the page says
so. Such pages must not query the database themselves (``outage_page.html`` has no menus).
"""

import functools
import logging

from django.db import InterfaceError, OperationalError

logger = logging.getLogger(__name__)

# What the database driver raises when the server cannot be reached or the connection broke (an
# IntegrityError or a ProgrammingError is a bug, not an outage, and stays a 500).
DATABASE_AWAY = (OperationalError, InterfaceError)

# Seconds a reader (or a client that reads the header) is asked to wait before sending again.
RETRY_AFTER_SECONDS = 120


def answers_503_while_the_database_is_away(page):
    """Decorate a view that stores a reader's form: if the database is away, answer
    ``page(request, *args, **kwargs)`` (a response showing the form with what was sent) as a
    503 with ``Retry-After``, never cached."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                return view(request, *args, **kwargs)
            except DATABASE_AWAY as error:
                name = type(error).__name__
                logger.error("%s could not be stored, the database is unavailable (%s)", request.path, name)
            response = page(request, *args, **kwargs)
            response.status_code = 503
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            response["Cache-Control"] = "private, no-store"
            return response

        return wrapper

    return decorate
