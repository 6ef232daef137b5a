"""What must hold when many requests or senders run at once: PostgreSQL only.

SQLite serialises every writer behind one file lock, so these races cannot happen there and the
guarantees under test are PostgreSQL's row locks and unique indexes.
"""

import threading

import pytest
from django.db import connection
from django.test import Client

from newsletter.models import Subscriber

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrency guarantees rely on PostgreSQL row locks; SQLite serialises writers",
)


def run_at_once(count, work):
    """Run ``work(n)`` in ``count`` threads released together; re-raise the first error."""
    barrier = threading.Barrier(count)
    errors = []

    def runner(n):
        try:
            barrier.wait()
            work(n)
        except Exception as error:  # collected and re-raised in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_simultaneous_signups_of_one_address_make_one_row_and_one_email(smtp_sink, settings):
    settings.NEWSLETTER_SIGNUPS_PER_IP = 1000
    statuses = []

    def sign_up(n):
        response = Client().post(
            "/newsletter/", {"email": "Same@Example.com" if n % 2 else "same@example.com"}
        )
        statuses.append(response.status_code)

    run_at_once(50, sign_up)

    assert statuses == [302] * 50
    assert Subscriber.objects.filter(email="same@example.com").count() == 1
    assert smtp_sink.wait_for(1)
    assert len(smtp_sink.messages) == 1
