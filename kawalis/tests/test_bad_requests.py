"""Requests no page can mean (control characters) answer 400 on every database, never 500."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/tag/%00/",
        "/category/%00/feeds/rss/",
        "/article/1/%00/",
        "/fr/tag/a%1Fb/",
        "/admin/articles/article/?status=%00",
    ],
)
def test_a_control_character_in_the_path_or_the_query_is_a_400(url, editor_user):
    staff = Client()
    staff.force_login(editor_user)
    for browser in (Client(), staff):
        response = browser.get(url)
        assert response.status_code == 400, url
        assert "لم نفهم هذا العنوان" in response.content.decode()  # the site's page, in Arabic


def test_ordinary_addresses_still_work(client, make_article):
    article = make_article()
    assert client.get(article.get_absolute_url()).status_code == 200
    assert client.get("/search/", {"q": "مقال رقم"}).status_code == 200
    # A reader's typed query is the search form's to judge: it answers 400 with the search page
    # saying what is wrong (test_search), not the bare page of a request we did not understand.
    refused = client.get("/search/", {"q": "مقال\x00"})
    assert refused.status_code == 400
    assert 'class="form-errors"' in refused.content.decode()
    assert client.get("/", {"page": "1\x00"}).status_code == 404  # not a page number


@pytest.mark.parametrize(
    "headers",
    [
        "Content-Length: abc",
        "Content-Length: -1",
        "Content-Length: 1\r\nContent-Length: 2",
        "Transfer-Encoding: gzip",
    ],
)
def test_a_request_gunicorn_refuses_never_kills_its_worker(headers):
    """The access logger redacts the path, which gunicorn leaves out (None) for such requests."""
    import os
    import socket
    import subprocess
    import sys
    import time

    from django.conf import settings

    from kawalis.readercache.varnish import free_port

    port = free_port()
    environment = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY"}}
    environment.update(
        SECRET_KEY="gunicorn-test-" + "k" * 50, HTTPS="0", ALLOWED_HOSTS="127.0.0.1", PORT=str(port),
        WEB_CONCURRENCY="1", GUNICORN_ACCESS_LOG="-", DJANGO_SETTINGS_MODULE="kawalis.settings",
    )  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "kawalis.wsgi"],
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )

    def ask(raw):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
            connection.sendall(raw.encode())
            return connection.recv(200).decode(errors="replace")

    try:
        for _attempt in range(100):
            try:
                answer = ask("GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                break
            except OSError:
                time.sleep(0.1)
        assert answer.startswith("HTTP/1.1 200")
        refused = ask(
            f"POST /newsletter/ HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}\r\nConnection: close\r\n\r\n"
        )
        assert refused.startswith("HTTP/1.1 400")
        again = ask("GET /robots.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert again.startswith("HTTP/1.1 200")
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "exited with code" not in output and "Traceback" not in output, output[-2000:]
