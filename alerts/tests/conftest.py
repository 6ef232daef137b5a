import pytest

from alerts.push import new_key_pair

from .push_server import PushServer


@pytest.fixture
def vapid_keys(settings):
    private, public = new_key_pair()
    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = private, ""
    settings.VAPID_SUBJECT = "mailto:newsroom@kawalis.example"
    settings.ALERTS_PUSH_SERVICES = ["127.0.0.1"]
    settings.ALERTS_MAX_PER_SECOND = 0
    return private, public


@pytest.fixture
def push_server(monkeypatch, vapid_keys):
    with PushServer() as server:
        # The sender's TLS context trusts the test's certificate (OpenSSL reads SSL_CERT_FILE).
        monkeypatch.setenv("SSL_CERT_FILE", str(server.cert_path))
        yield server
