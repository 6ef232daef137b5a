"""Admin sign-in is throttled against password guessing, per username, address and network."""

import threading

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils.html import escape

from kawalis.admin_site import ThrottledAdminAuthenticationForm

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Every attempt hashes a password; the slow production hasher would cost seconds here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def chief(db, fast_password_hashing):
    return User.objects.create_superuser("chief", "chief@example.com", "the-right-pass-phrase-7")


@pytest.fixture
def limits(settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    settings.LOGIN_FAILURES_PER_ADDRESS = 5
    settings.LOGIN_FAILURES_PER_NETWORK = 8
    return settings


def sign_in(client, username, password, address="203.0.113.7", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **extra)


def test_a_right_password_signs_in(client, chief, limits):
    assert sign_in(client, "chief", "the-right-pass-phrase-7").status_code == 302


def test_after_too_many_wrong_passwords_even_the_right_one_is_refused_with_a_clear_message(
    client, chief, limits
):
    for _attempt in range(3):
        assert sign_in(client, "chief", "guess").status_code == 200

    response = sign_in(client, "chief", "the-right-pass-phrase-7")

    assert response.status_code == 429
    message = ThrottledAdminAuthenticationForm.error_messages["throttled"]
    assert escape(str(message)) in response.content.decode()  # in the reader's language (Arabic here)
    assert "_auth_user_id" not in client.session


def test_the_username_limit_holds_from_every_address(client, chief, limits):
    for n in range(3):
        sign_in(client, "chief", "guess", address=f"198.51.100.{n}")

    assert sign_in(client, "Chief", "the-right-pass-phrase-7", address="192.0.2.99").status_code == 429


def test_one_address_guessing_many_usernames_is_stopped(client, chief, limits):
    for n in range(5):
        sign_in(client, f"user{n}", "guess")

    assert sign_in(client, "chief", "the-right-pass-phrase-7").status_code == 429
    # Another address is not punished for it.
    assert sign_in(client, "chief", "the-right-pass-phrase-7", address="192.0.2.1").status_code == 302


def test_a_successful_sign_in_clears_the_username_count(client, chief, limits):
    sign_in(client, "chief", "guess")
    sign_in(client, "chief", "guess")
    assert sign_in(client, "chief", "the-right-pass-phrase-7").status_code == 302
    client.logout()

    sign_in(client, "chief", "guess")
    sign_in(client, "chief", "guess")
    assert sign_in(client, "chief", "the-right-pass-phrase-7").status_code == 302


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(client, chief, limits, settings):
    settings.BEHIND_PROXY = True
    for n in range(5):
        # The client forges the first hop; our proxy appends the real address last.
        sign_in(
            client, f"user{n}", "guess", address="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 203.0.113.50"
        )

    blocked = sign_in(
        client, "chief", "the-right-pass-phrase-7", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.50"
    )
    other = sign_in(
        client, "chief", "the-right-pass-phrase-7", address="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.51"
    )
    assert blocked.status_code == 429
    assert other.status_code == 302


def test_guessing_from_neighbouring_addresses_is_stopped_at_the_networks_limit(client, chief, limits):
    for n in range(8):
        sign_in(client, f"user{n}", "guess", address=f"198.51.100.{n}")

    assert sign_in(client, "chief", "the-right-pass-phrase-7", address="198.51.100.200").status_code == 429
    assert sign_in(client, "chief", "the-right-pass-phrase-7", address="198.51.101.1").status_code == 302


def test_guessing_from_every_address_of_one_ipv6_line_is_stopped_at_the_networks_limit(client, chief, limits):
    for n in range(8):
        sign_in(client, f"user{n}", "guess", address=f"2001:db8:9:9:{n:x}::1")

    assert sign_in(client, "chief", "the-right-pass-phrase-7", address="2001:db8:9:9::abc").status_code == 429


def test_sign_ins_that_succeed_do_not_use_up_the_newsrooms_address(client, chief, limits):
    for _morning in range(10):  # more than the address's allowance of failures
        assert sign_in(client, "chief", "the-right-pass-phrase-7").status_code == 302
        client.logout()

    assert sign_in(client, "chief", "the-right-pass-phrase-7").status_code == 302


def test_an_unreadable_address_shuts_out_nobody_else_and_each_username_keeps_its_limit(client, chief, limits):
    # A deployment that cannot read addresses (a Unix socket, no proxy header): every request is "".
    for n in range(10):
        sign_in(client, f"user{n}", "guess", address="")
    assert sign_in(client, "chief", "the-right-pass-phrase-7", address="").status_code == 302
    client.logout()

    for _attempt in range(3):
        sign_in(client, "chief", "guess", address="")

    assert sign_in(client, "chief", "the-right-pass-phrase-7", address="").status_code == 429


class CountedPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 as in production (fewer rounds), counting every password it checks."""

    iterations = 50_000
    checks = 0
    lock = threading.Lock()

    def verify(self, password, encoded):
        with self.lock:
            type(self).checks += 1
        return super().verify(password, encoded)


@pytest.mark.django_db(transaction=True)  # each thread has its own connection: rows must be committed
def test_twenty_simultaneous_wrong_passwords_for_one_username_get_only_the_allowed_checks(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountedPasswordHasher"]
    settings.LOGIN_FAILURES_PER_USERNAME = 5
    User.objects.create_superuser("chief", "chief@example.com", "the-right-pass-phrase-7")
    CountedPasswordHasher.checks = 0
    start = threading.Barrier(20)
    statuses = []

    def guess(n):
        client = Client()
        try:
            start.wait()
            # Each from an address of its own network: only the username's limit can stop them.
            statuses.append(sign_in(client, "chief", f"guess-{n}", address=f"192.0.{n}.7").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert CountedPasswordHasher.checks == 5
    assert sorted(statuses) == [200] * 5 + [429] * 15
