"""Benchmark: article page requests per second with view counting on, against off (the baseline).

Usage: .venv/bin/python scripts/bench_view_counting.py [--seconds 2] [--rounds 20] [--clients 4]
       [--workers 2]

It builds a throw-away SQLite site with the demo content in a temporary folder, then serves it
with two gunicorn servers on 127.0.0.1, production settings (DEBUG off), one with
VIEW_COUNTING=0 (the baseline) and one with VIEW_COUNTING=1. HTTP clients (threads) fetch one
article page in ``--rounds`` bursts of ``--seconds`` on each server, alternating between the
two; with counting on, each request carries a different
user agent, so every request takes the full counting path (repeat check + counter increment).
The cache is Redis when REDIS_URL is set (as in production: counters shared by the workers),
else each worker's local memory. Prints the median req/s of each mode and the ratio to the
baseline (median of the per-round ratios); with Redis it also flushes the counters and prints
how many views were counted.
"""

import argparse
import http.client
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(env, *args):
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr.strip()}")
    return result.stdout.strip()


def wait_until_up(port, path, deadline=30.0):
    started = time.monotonic()
    while time.monotonic() - started < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path, headers={"User-Agent": "bench-warmup-bot"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"the server on port {port} did not answer {path} with 200 in {deadline:.0f}s")


def load(port, path, seconds, clients, distinct_agents):
    """Requests per second that ``clients`` HTTP clients get for ``seconds``."""
    counts = [0] * clients
    failures = []
    run = secrets.token_hex(4)  # user agents never repeat across runs: each request is a new reader
    stop = time.monotonic() + seconds

    def client(index):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = 0
        while time.monotonic() < stop:
            agent = f"{BROWSER} r{run}-{index}-{n}" if distinct_agents else BROWSER
            connection.request("GET", path, headers={"User-Agent": agent})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                failures.append(response.status)
                return
            n += 1
        counts[index] = n

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        sys.exit(f"the article page answered {failures[0]}")
    return sum(counts) / (time.monotonic() - started), sum(counts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="length of one burst")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="kawalis-bench-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "HTTPS": "0",
        "STATIC_ROOT": str(workdir / "static"),
        "MEDIA_ROOT": str(workdir / "media"),
        "CACHE_KEY_PREFIX": f"bench-{secrets.token_hex(4)}",
        "LOG_LEVEL": "WARNING",
        "GUNICORN_ACCESS_LOG": "",
        "WEB_CONCURRENCY": str(options.workers),
        "TASKS_BACKEND": "immediate",
        "VIEW_REPEAT_SECONDS": "60",
    }
    env.pop("DEBUG", None)
    try:
        manage(env, "migrate", "--no-input")
        manage(env, "collectstatic", "--no-input")
        manage(env, "load_demo")
        path = manage(
            env,
            "shell",
            "-c",
            "from articles.models import Article; "
            "print(Article.objects.published().order_by('pk').first().get_absolute_url())",
        ).splitlines()[-1]

        # Both servers run side by side and the load alternates between them in short bursts
        # (order swapped each round), so whatever else the machine is doing weighs on both alike.
        servers, ports = {}, {}
        for mode in ("off", "on"):
            ports[mode] = free_port()
            servers[mode] = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
                [GUNICORN, "kawalis.wsgi", "--bind", f"127.0.0.1:{ports[mode]}"],
                cwd=ROOT,
                env={**env, "VIEW_COUNTING": "1" if mode == "on" else "0"},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        results = {"off": [], "on": []}
        served = 0
        try:
            for mode in ("off", "on"):
                wait_until_up(ports[mode], path)
                load(ports[mode], path, 1.0, options.clients, mode == "on")  # warm-up
            for round_number in range(options.rounds):
                for mode in ("off", "on") if round_number % 2 == 0 else ("on", "off"):
                    rate, count = load(ports[mode], path, options.seconds, options.clients, mode == "on")
                    results[mode].append(rate)
                    if mode == "on":
                        served += count
        finally:
            for server in servers.values():
                server.terminate()
            for server in servers.values():
                server.wait(timeout=30)

        cache = "Redis" if os.environ.get("REDIS_URL") else "local memory (per worker)"
        print(
            f"article page #1, gunicorn {options.workers} workers, {options.clients} HTTP "
            f"clients, {options.rounds} bursts of {options.seconds:.0f}s on each server, cache: {cache}"
        )
        # Each round's two bursts ran back to back under the same machine load: their ratio is
        # the fair comparison; the median over rounds discards the rounds a neighbour disturbed.
        paired = statistics.median(on / off for on, off in zip(results["on"], results["off"], strict=True))
        print(f"{'view counting':<15}{'median req/s':>13}{'min':>8}{'max':>8}{'ratio to off':>14}")
        for mode in ("off", "on"):
            median = statistics.median(results[mode])
            ratio = 1.0 if mode == "off" else paired
            print(
                f"{mode:<15}{median:>13.1f}{min(results[mode]):>8.1f}{max(results[mode]):>8.1f}{ratio:>14.3f}"
            )
        print("ratio: median over rounds of (on req/s / off req/s) measured back to back")
        if os.environ.get("REDIS_URL"):
            written = manage(env, "flush_view_counts")
            print(
                f"flush_view_counts after the run: {written} (measured requests with counting on: {served})"
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
