"""Benchmark: one digest to 100,000 subscribers through a local SMTP sink, against bare smtplib.

Usage:
    .venv/bin/python scripts/bench_newsletter.py [--subscribers 100000]
        [--database-url postgres://postgres@127.0.0.1:5432/kawalis_bench_newsletter]

It never touches the development database: it makes its own (a temporary SQLite file by
default, or the PostgreSQL database named in --database-url, created and dropped by the run),
fills it with articles and confirmed subscribers (bulk_create), and starts an SMTP sink in its
own process (so it shares the GIL with neither sender) that counts what each address receives.
Then, in the same run:

1. baseline: a bare ``smtplib`` loop on one connection sends every subscriber the digest
   message of their language (the same bytes the sender builds), as fast as the sink takes them;
2. Kawalis: ``manage.py send_newsletter`` in child processes (``--senders N``, rate limit off)
   queues the digest, lists the recipients and sends, claiming and recording every message as
   in production.

It prints messages per second for both and their ratio, the sender's peak memory (maximum
resident set size of its process), and duplicates and misses counted by the sink.
"""

import argparse
import multiprocessing
import os
import platform
import secrets
import smtplib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


# --- the SMTP sink, in its own process ---------------------------------------------------


class CountingSMTP:
    """Just enough SMTP (RFC 5321) to accept mail and count it per recipient, fast.

    aiosmtpd parses every line of every message in Python and, on this machine, became the
    bottleneck of both senders; this protocol only looks for the end of data (CRLF.CRLF).
    A message whose connection drops before its final "." is discarded, as a real server does.
    """

    def __init__(self, received, messages):
        self.received = received
        self.messages = messages
        self.buffer = b""
        self.in_data = False
        self.recipients = []

    def connection_made(self, transport):
        self.transport = transport
        transport.write(b"220 bench-sink ESMTP\r\n")

    def data_received(self, data):
        self.buffer += data
        while self.buffer:
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n")
                if end < 0:
                    return
                self.buffer = self.buffer[end + 5 :]
                self.in_data = False
                self.messages[0] += 1
                for address in self.recipients:
                    self.received[address] += 1
                self.recipients = []
                self.transport.write(b"250 OK\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line, self.buffer = self.buffer[:end], self.buffer[end + 2 :]
            self.command(line)

    def command(self, line):
        verb = line[:4].upper()
        if verb == b"EHLO":
            self.transport.write(b"250-bench-sink\r\n250 PIPELINING\r\n")
        elif verb in (b"HELO", b"MAIL", b"NOOP"):
            self.transport.write(b"250 OK\r\n")
        elif verb == b"RCPT":
            self.recipients.append(line.split(b":", 1)[1].strip().strip(b"<>").lower().decode())
            self.transport.write(b"250 OK\r\n")
        elif verb == b"DATA":
            self.in_data = True
            # The terminator search starts at a line start: "\r\n" stands for the one just read.
            self.buffer = b"\r\n" + self.buffer
            self.transport.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        elif verb == b"RSET":
            self.recipients = []
            self.transport.write(b"250 OK\r\n")
        elif verb == b"QUIT":
            self.transport.write(b"221 Bye\r\n")
            self.transport.close()
        else:
            self.transport.write(b"502 Command not implemented\r\n")

    def connection_lost(self, exc):
        self.recipients = []


def run_sink(port, control):
    """Serve CountingSMTP on 127.0.0.1:port; answer ``report`` on the pipe (then reset)."""
    import asyncio
    import threading

    received = Counter()
    messages = [0]
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(
        loop.create_server(lambda: CountingSMTP(received, messages), "127.0.0.1", port)
    )
    threading.Thread(target=loop.run_forever, daemon=True).start()
    control.send("ready")
    while True:
        command = control.recv()
        if command == "report":
            report = asyncio.run_coroutine_threadsafe(_report(received, messages), loop).result()
            control.send(report)
        else:
            loop.call_soon_threadsafe(server.close)
            control.send("stopped")
            return


async def _report(received, messages):
    duplicates = sum(count - 1 for count in received.values() if count > 1)
    report = {"messages": messages[0], "distinct": len(received), "duplicates": duplicates}
    received.clear()
    messages[0] = 0
    return report


def sink_report(control):
    control.send("report")
    return control.recv()


# --- databases ------------------------------------------------------------------------------


def create_postgres_database(url):
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return drop


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--articles", type=int, default=12)
    parser.add_argument(
        "--senders",
        type=int,
        default=1,
        help="send_newsletter processes at once (PostgreSQL only for more than 1)",
    )
    parser.add_argument(
        "--database-url", default="", help="a PostgreSQL URL (created and dropped); default: temporary SQLite"
    )
    args = parser.parse_args()
    if args.senders > 1 and not args.database_url.startswith("postgres"):
        parser.error("--senders above 1 needs --database-url postgres://... (SQLite has one writer)")

    workdir = Path(tempfile.mkdtemp(prefix="kawalis-bench-newsletter-"))
    if args.database_url:
        database_url = args.database_url
        drop_database = create_postgres_database(database_url)
    else:
        database_url = f"sqlite:///{workdir / 'bench.sqlite3'}"

        def drop_database():
            (workdir / "bench.sqlite3").unlink(missing_ok=True)

    from kawalis.tests.smtp_sink import free_port

    port = free_port()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "kawalis.settings",
            "DATABASE_URL": database_url,
            "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "NEWSLETTER_DIGEST": "daily",
            "NEWSLETTER_DIGEST_HOUR": "0",
            "NEWSLETTER_MAX_PER_SECOND": "0",
            "LOG_LEVEL": "WARNING",
            "MEDIA_ROOT": str(workdir / "media"),
        }
    )
    os.environ.pop("DEBUG", None)
    os.environ.pop("REDIS_URL", None)

    context = multiprocessing.get_context("spawn")
    control, sink_end = context.Pipe()
    sink = context.Process(target=run_sink, args=(port, sink_end), daemon=True)
    sink.start()
    assert control.recv() == "ready"

    try:
        results = measure(args, control, database_url)
    finally:
        control.send("stop")
        control.recv()
        sink.join(timeout=10)
        drop_database()
    print_table(args, results, database_url)


def measure(args, control, database_url):
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from articles.models import Article, Category
    from newsletter.models import Delivery, Mailing, Subscriber
    from newsletter.rendering import build_message, envelope_sender, render_mailing

    call_command("migrate", verbosity=0)
    if not database_url.startswith("postgres") and os.environ.get("NEWSLETTER_SYNCHRONOUS_COMMIT") == "0":
        # The setting skips the flush on SQLite only in WAL mode (newsletter/sending.py).
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode = WAL")
    started = time.perf_counter()
    category = Category.objects.create(name_ar="قياس", name_fr="Mesure", name_en="Benchmark", slug="bench")
    now = timezone.now()
    for n in range(args.articles):
        Article.objects.create(
            title_ar=f"مقال للقياس رقم {n}",
            title_fr=f"Article de mesure {n}",
            title_en=f"Benchmark article {n}",
            lead_ar="ملخص قصير للمقال يظهر في الموجز البريدي.",
            lead_fr="Un court résumé de l’article, repris dans le résumé.",
            lead_en="A short summary of the article, shown in the digest.",
            body_ar="<p>نص</p>",
            category=category,
            status=Article.Status.PUBLISHED,
            published_at=now - timezone.timedelta(minutes=5 + n),
        )
    languages = ("ar",) * 7 + ("fr",) * 2 + ("en",)
    batch = []
    for n in range(args.subscribers):
        batch.append(
            Subscriber(
                email=f"reader-{n}@example.invalid",
                language=languages[n % len(languages)],
                status=Subscriber.Status.CONFIRMED,
                confirmed_at=now - timezone.timedelta(days=30),
                consent_text="[benchmark]",
            )
        )
        if len(batch) == 5000:
            Subscriber.objects.bulk_create(batch)
            batch = []
    Subscriber.objects.bulk_create(batch)
    setup_seconds = time.perf_counter() - started

    # The same message bytes the sender builds, one per language (only the address differs).
    sample = Mailing(kind=Mailing.Kind.DIGEST, covers_until=timezone.now())
    since = sample.covers_until - timezone.timedelta(days=1)
    data = {}
    for language in ("ar", "fr", "en"):
        reader = Subscriber(pk=1, email="reader-1@example.invalid", language=language)
        message = build_message(reader, render_mailing(sample, language, since))
        data[language] = message.message().as_bytes(linesep="\r\n")
    addresses = list(Subscriber.objects.order_by("pk").values_list("email", "language"))
    sender = envelope_sender()

    smtp = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT)
    started = time.perf_counter()
    for email, language in addresses:
        smtp.sendmail(sender, [email], data[language])
    baseline_seconds = time.perf_counter() - started
    smtp.quit()
    baseline = sink_report(control)
    del addresses

    from django.db import connections

    connections.close_all()
    children = [
        subprocess.Popen(
            [sys.executable, "manage.py", "send_newsletter"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _sender in range(args.senders)
    ]
    started = time.perf_counter()
    peak_kb = 0
    outputs = []
    for child in children:
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        peak_kb = max(peak_kb, usage.ru_maxrss)  # Linux reports kilobytes
        outputs.append(child.stdout.read().decode().strip() + child.stderr.read().decode().strip())
        if child.returncode != 0:
            raise SystemExit(f"send_newsletter failed ({child.returncode}):\n{outputs[-1]}")
    sender_seconds = time.perf_counter() - started
    output = " / ".join(outputs)
    kawalis = sink_report(control)
    recorded = Delivery.objects.filter(status=Delivery.Status.SENT).count()
    return {
        "setup_seconds": setup_seconds,
        "baseline_seconds": baseline_seconds,
        "baseline": baseline,
        "sender_seconds": sender_seconds,
        "sender": kawalis,
        "sender_peak_mb": peak_kb / 1024,
        "sender_output": output.strip(),
        "recorded_sent": recorded,
        "message_bytes": {language: len(value) for language, value in data.items()},
    }


def print_table(args, results, database_url):
    n = args.subscribers
    base, ours = results["baseline"], results["sender"]
    base_rate = base["messages"] / results["baseline_seconds"]
    our_rate = ours["messages"] / results["sender_seconds"]
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite (temporary file)"
    if not database_url.startswith("postgres") and os.environ.get("NEWSLETTER_SYNCHRONOUS_COMMIT") == "0":
        database += " in WAL mode"
    sizes = results["message_bytes"]
    print()
    print(f"One digest to {n:,} subscribers ({args.articles} articles; message bytes {sizes})")
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    synchronous = os.environ.get("NEWSLETTER_SYNCHRONOUS_COMMIT", "1")
    print(f"{stamp}, {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()},")
    print(f"{database} (NEWSLETTER_SYNCHRONOUS_COMMIT={synchronous}); setup {results['setup_seconds']:.1f} s")
    print(f"sender said: {results['sender_output']}\n")
    rows = [
        ("", "bare smtplib loop", f"Kawalis send_newsletter x{args.senders}", "ratio"),
        ("messages received by the sink", f"{base['messages']:,}", f"{ours['messages']:,}", ""),
        ("seconds", f"{results['baseline_seconds']:.1f}", f"{results['sender_seconds']:.1f}", ""),
        ("messages / second", f"{base_rate:,.0f}", f"{our_rate:,.0f}", f"{our_rate / base_rate:.2f}"),
        ("peak memory of a sender (max RSS)", "-", f"{results['sender_peak_mb']:.0f} MB", ""),
        ("duplicates (sink)", f"{base['duplicates']}", f"{ours['duplicates']}", ""),
        ("misses (sink)", f"{n - base['distinct']}", f"{n - ours['distinct']}", ""),
        ("deliveries recorded as sent", "-", f"{results['recorded_sent']:,}", ""),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for number, row in enumerate(rows):
        print("| " + " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) + " |")
        if number == 0:
            print("|" + "|".join("-" * (width + 2) for width in widths) + "|")


if __name__ == "__main__":
    main()
