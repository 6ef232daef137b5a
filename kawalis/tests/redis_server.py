"""A Redis server of the test's own, which the test can stop, freeze and bring back.

``redis-server`` on a free port of 127.0.0.1, without persistence; ``freeze()`` stops the process
(SIGSTOP: its socket still accepts connections, nothing answers, as a Redis stuck on a full disk
or a lost network), ``thaw()`` lets it run again, ``stop()`` kills it (connections refused) and
``start()`` starts a new, empty one on the same port.
"""

import shutil
import signal
import socket
import subprocess
import time

from .smtp_sink import free_port


def redis_server_binary():
    return shutil.which("redis-server")


class RedisServer:
    def __init__(self, port=None):
        self.port = port or free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout=10.0):
        arguments = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            [redis_server_binary(), *arguments, "--loglevel", "warning"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.answers():
                return self
            time.sleep(0.02)  # waiting for a process to listen: nothing to wait on but time
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def freeze(self):
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()  # SIGKILL ends a frozen (stopped) process too
            self.process.wait(timeout=10)
        self.process = None
