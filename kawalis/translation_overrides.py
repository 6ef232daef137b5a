"""Messages of Django, of our dependencies and of our data whose translation we give ourselves.

``makemessages`` reads only our code, so the msgids are named here (gettext_noop: nothing is
translated at import) to keep them in locale/*/django.po, which Django consults before its own
catalogues (LOCALE_PATHS). Each has a reason:

- Django's Arabic catalogue says «نجحت إضافة» ("added") for "was changed successfully";
- month names: Moroccan ones in Arabic (دجنبر, not ديسمبر), as on the site (articles/arabic.py);
- django_tasks_db ships no Arabic or French;
- staff group names are rows made by migrations; ``Group.__str__`` translates them
  (kawalis/apps.py), so the admin shows «محرر» where the data says "Editor".
"""

from django.utils.translation import gettext_noop

ADMIN_MESSAGES = (gettext_noop("The {name} “{obj}” was changed successfully."),)

MONTHS = (
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)
TASK_RESULTS = (gettext_noop("Task Result"), gettext_noop("Task Results"))

STAFF_GROUPS = (
    gettext_noop("Editor"),
    gettext_noop("Moderator"),
    gettext_noop("Newsletter editor"),
    gettext_noop("Administrator"),
    gettext_noop("Reporter"),
)
