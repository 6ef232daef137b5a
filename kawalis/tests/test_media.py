"""Uploads are served as images only, with types set by the site, never guessed by browsers."""

import pytest

pytestmark = pytest.mark.django_db  # the 404 page shows the category menu


@pytest.fixture
def media_file(settings):
    def write(name, content):
        path = settings.MEDIA_ROOT / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        return f"{settings.MEDIA_URL}{name}"

    return write


def test_an_uploaded_image_is_served_with_its_type_and_nosniff(client, media_file):
    url = media_file("articles/2026/11/photo.JPG", b"\xff\xd8\xff\xe0 not really a jpeg")

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["evil.html", "evil.svg", "evil.htm", "notes.txt", "script.js", "noext"])
def test_files_a_browser_could_run_as_a_page_are_never_served(client, media_file, name):
    url = media_file(name, b"<script>alert(1)</script>")

    assert client.get(url).status_code == 404


def test_paths_outside_the_media_folder_are_refused(client):
    assert client.get("/media/../kawalis/settings.py").status_code == 404
    assert client.get("/media/%2e%2e/manage.jpg").status_code == 404


def test_media_is_not_served_when_a_bucket_or_front_server_does_it(client, media_file, settings):
    url = media_file("photo.png", b"\x89PNG")
    settings.SERVE_MEDIA = False

    assert client.get(url).status_code == 404
