"""The admin's jQuery UI (modeltranslation's language tabs) is a release with CVE-2022-31160 fixed."""

import re

from django.contrib.staticfiles import finders

FIXED_IN = (1, 13, 2)  # CVE-2022-31160: checkboxradio label XSS, fixed in jQuery UI 1.13.2


def served_jquery_ui_version(client, admin_user):
    """The version in the jQuery UI file that the article form's page loads."""
    client.force_login(admin_user)
    html = client.get("/admin/articles/article/add/").content.decode()
    src = re.search(r'<script src="/static/(jquery-ui/[^"]+\.js)"', html).group(1)
    with open(finders.find(src), encoding="utf-8") as script:
        text = script.read()
    return tuple(int(part) for part in re.search(r'version:"(\d+)\.(\d+)\.(\d+)"', text).groups())


def test_the_served_jquery_ui_has_the_checkboxradio_fix(client, admin_user):
    assert served_jquery_ui_version(client, admin_user) >= FIXED_IN


def test_jquery_ui_ships_with_its_licence():
    with open(finders.find("jquery-ui/LICENSE.txt"), encoding="utf-8") as licence:
        assert "OpenJS Foundation" in licence.read()
