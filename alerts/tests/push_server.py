"""A local push service for the tests: HTTPS on 127.0.0.1 with a certificate made here, that
records every request and answers with the statuses a test tells it (201 by default)."""

import datetime
import http.server
import ipaddress
import ssl
import tempfile
import threading
from collections import defaultdict
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def self_signed_certificate(folder):
    """``(certificate path, key path)`` for 127.0.0.1, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = Path(folder) / "push.pem", Path(folder) / "push.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class PushServer:
    """``with PushServer() as server``: ``server.url(name)`` is an endpoint; ``server.answers[path]``
    a list of (status, headers) to give in turn; ``server.requests`` what came, complete."""

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="kawalis-push-")
        self.cert_path, key_path = self_signed_certificate(self.folder)
        self.requests = []
        self.answers = defaultdict(list)
        self.hold = None  # an Event: the answer to the next request waits for it
        self.received = threading.Condition()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if len(body) < length:
                    return  # the sender went away mid-request: nothing was received
                with server.received:
                    server.requests.append((self.path, dict(self.headers), body))
                    server.received.notify_all()
                    hold, server.hold = server.hold, None
                if hold is not None:
                    hold.wait(30)
                queued = server.answers.get(self.path)
                status, headers = queued.pop(0) if queued else (201, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, key_path)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]

    def url(self, name):
        return f"https://127.0.0.1:{self.port}/push/{name}"

    def wait_for(self, count, timeout=30):
        with self.received:
            return self.received.wait_for(lambda: len(self.requests) >= count, timeout)

    def __enter__(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
