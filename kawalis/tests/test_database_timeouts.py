"""A PostgreSQL that accepts connections and never answers must not hold requests.

A listening socket that never speaks stands in for the frozen server: the kernel completes the
TCP handshake, then libpq waits for the server's first message, which never comes.
"""

import socket
import threading
import time

import pytest

from kawalis.settings import database_from_url


def test_postgres_urls_get_a_connect_timeout_and_the_optional_statement_timeout():
    database = database_from_url("postgres://kawalis@db.example:5432/kawalis", 3, 1500)

    assert database["OPTIONS"]["connect_timeout"] == 3
    assert database["OPTIONS"]["options"] == "-c statement_timeout=1500"


def test_without_a_statement_timeout_only_the_connect_timeout_is_set():
    database = database_from_url("postgres://kawalis@db.example:5432/kawalis", 5, None)

    assert database["OPTIONS"] == {"connect_timeout": 5}


def test_sqlite_gets_no_postgres_options():
    database = database_from_url("sqlite:////tmp/kawalis.sqlite3", 5, 1000)

    assert "connect_timeout" not in database.get("OPTIONS", {})


def test_a_frozen_postgres_is_given_up_within_the_connect_timeout():
    psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed")
    frozen = socket.socket()
    frozen.bind(("127.0.0.1", 0))
    frozen.listen(8)  # handshakes complete in the kernel; nothing is ever said
    port = frozen.getsockname()[1]
    database = database_from_url(f"postgres://kawalis@127.0.0.1:{port}/kawalis", 2, None)
    outcome = {}

    def connect():
        started = time.monotonic()
        try:
            psycopg.connect(
                host=database["HOST"],
                port=database["PORT"],
                dbname=database["NAME"],
                user=database["USER"],
                **database["OPTIONS"],
            )
        except psycopg.OperationalError as error:
            outcome["error"] = error
        outcome["seconds"] = time.monotonic() - started

    attempt = threading.Thread(target=connect, daemon=True)
    try:
        attempt.start()
        attempt.join(timeout=20)  # without the option, libpq would wait for the kernel (minutes)
        assert not attempt.is_alive(), "the connection attempt to the frozen server never gave up"
        assert "error" in outcome
        assert outcome["seconds"] < 10
    finally:
        frozen.close()
