"""A real ``send_alerts`` process killed with SIGKILL mid-run, then run again: at the push
service, every subscription received the alert exactly once. PostgreSQL only (SKIP LOCKED)."""

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from urllib.parse import quote

import pytest
from django.db import connection

from alerts.models import Alert, Delivery

from .test_sending import subscribe

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED claims: PostgreSQL")


def _database_url():
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{quote(db['USER'] or '')}{password}@{host}/{db['NAME']}"


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sender_killed_while_waiting_for_an_answer_repeats_and_loses_nothing(
    push_server, vapid_keys, settings, make_article
):
    total = 60
    for n in range(total):
        subscribe(push_server, n)
    Alert.objects.create(article=make_article())  # queued without the task: the process sends it
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "VAPID_PRIVATE_KEY": vapid_keys[0],
        "VAPID_SUBJECT": "mailto:newsroom@kawalis.example",
        "ALERTS_PUSH_SERVICES": "127.0.0.1",
        "ALERTS_MAX_PER_SECOND": "200",
        "SSL_CERT_FILE": str(push_server.cert_path),
    }
    command = [sys.executable, "manage.py", "send_alerts"]
    hold = threading.Event()
    sender = subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert push_server.wait_for(20, timeout=60), sender.communicate()
    push_server.hold = hold  # the next request is received, its answer held: the sender waits
    assert push_server.wait_for(21, timeout=60)
    os.kill(sender.pid, signal.SIGKILL)
    sender.communicate()
    hold.set()
    assert sender.returncode == -signal.SIGKILL
    assert len(push_server.requests) < total

    restarted = subprocess.run(
        command, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )

    assert restarted.returncode == 0, restarted.stderr
    received = Counter(path for path, _headers, _body in push_server.requests)
    assert received == Counter({f"/push/{n}": 1 for n in range(total)})  # counted at the server
    # The one in hand when killed: received, recorded uncertain, not sent again.
    assert Delivery.objects.filter(status=Delivery.Status.UNCERTAIN).count() == 1
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == total - 1
