"""``scripts/serve`` as the README has a newcomer run it: on another port, its banner's commands
work as printed and the e-mails it sends link to the port it serves on."""

import email
import email.policy
import os
import shlex
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from kawalis.readercache.varnish import free_port
from kawalis.tests import environment

ROOT = Path(__file__).resolve().parent.parent.parent
STARTUP_SECONDS = 180


class Output:
    """What a process writes, read line by line in the background."""

    def __init__(self, stream):
        self.lines = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream):
        for line in stream:
            self.lines.append(line)

    @property
    def text(self):
        return "".join(self.lines)


def wait_for(condition, what, seconds, output):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"{what} did not happen within {seconds} s; the server said:\n{output.text[-4000:]}")


def answers(url):
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def messages_in(console_output):
    """The e-mails Django's console backend printed (each followed by a line of 79 dashes)."""
    found = []
    for chunk in console_output.split("-" * 79):
        start = chunk.find("Content-Type:")
        if start >= 0 and "Subject:" in chunk:
            found.append(email.message_from_string(chunk[start:].strip() + "\n", policy=email.policy.default))
    return found


def text_of(message):
    return "\n".join(part.get_content() for part in message.walk() if part.get_content_maintype() == "text")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """``scripts/serve`` on a free port, with its own database, cache and media folders."""
    tmp_path = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {
        **{name: value for name, value in os.environ.items() if name not in environment.SWITCHES},
        "PORT": str(port),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "CACHE_PATH": str(tmp_path / "cache.sqlite3"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("SECRET_KEY")  # as on a newcomer's machine: the development key under DEBUG=1
    process = subprocess.Popen(
        ["sh", "scripts/serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # runserver's reloader starts a child: stop the whole group
    )
    output = Output(process.stdout)
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/"), "serving", STARTUP_SECONDS, output)
        yield port, env, output
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_serve_on_another_port_sends_links_to_that_port(served):
    port, _env, output = served
    site = f"http://127.0.0.1:{port}"
    signup = urllib.parse.urlencode({"email": "reader@example.com"}).encode()

    with urllib.request.urlopen(urllib.request.Request(f"{site}/newsletter/", data=signup), timeout=30):
        pass
    wait_for(lambda: messages_in(output.text), "the confirmation e-mail", 30, output)

    (message,) = messages_in(output.text)
    assert message["To"] == "reader@example.com"
    body = text_of(message)
    assert f"{site}/newsletter/confirm/" in body, body
    assert "127.0.0.1:8000" not in body
    assert f"==> Kawalis on {site}/" in output.text


def test_the_banners_account_command_works_as_printed(served):
    _port, env, output = served
    (printed,) = [line.strip() for line in output.lines if "createsuperuser" in line and "manage.py" in line]
    command = shlex.split(printed)
    assignments = dict(word.split("=", 1) for word in command if "=" in word and not word.startswith("-"))
    program = [word for word in command if word not in {f"{k}={v}" for k, v in assignments.items()}]

    result = subprocess.run(
        [*program, "--no-input", "--username", "editor", "--email", "editor@example.com"],
        cwd=ROOT,
        # A new terminal: the printed variables, the database the server uses, nothing of its own.
        env={**{k: v for k, v in env.items() if k not in {"DEBUG", "PORT", "SITE_URL"}}, **assignments}
        | {"DJANGO_SUPERUSER_PASSWORD": "a long passphrase for the test"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Superuser created successfully" in result.stdout
