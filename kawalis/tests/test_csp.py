"""The Content Security Policy: strict for scripts, with nonces for the few inline ones."""

import pytest
from django.contrib.auth.models import User


def policy(response):
    header = response["Content-Security-Policy"]
    return {
        directive.split()[0]: directive.split()[1:]
        for directive in (part.strip() for part in header.split(";"))
        if directive
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/fr/", "/admin/login/"])
def test_pages_forbid_inline_and_foreign_scripts(client, path):
    directives = policy(client.get(path))

    assert directives["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in directives["script-src"]
    assert "'unsafe-eval'" not in directives["script-src"]
    assert all(source == "'self'" or source.startswith("'nonce-") for source in directives["script-src"])
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]


@pytest.mark.django_db
def test_article_pages_carry_the_policy(client, make_article):
    directives = policy(client.get(make_article().get_absolute_url()))
    assert "'unsafe-inline'" not in directives["script-src"]


@pytest.mark.django_db
def test_admin_change_form_gives_its_inline_scripts_the_nonce_of_the_response(client):
    User.objects.create_superuser("chief", "chief@example.com", "a-long-pass-phrase-9")
    client.login(username="chief", password="a-long-pass-phrase-9")

    response = client.get("/admin/articles/article/add/")

    assert response.status_code == 200
    html = response.content.decode()
    nonces = [source for source in policy(response)["script-src"] if source.startswith("'nonce-")]
    inline_scripts = html.count("<script>") + html.count('<script type="importmap"')
    if inline_scripts:
        assert nonces, "inline scripts on the page but no nonce in the policy"
        nonce = nonces[0].removeprefix("'nonce-").removesuffix("'")
        assert html.count(f'nonce="{nonce}"') >= inline_scripts
