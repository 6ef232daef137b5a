"""Benchmarks of the reader pages, run as in production. Not a test: it prints a table.

    scripts/bench                    # small (100 articles) and large (100,000 articles, 1,000,000 comments)
    scripts/bench --sizes small      # quick run
    scripts/bench --sizes large --regenerate   # rebuild the large database (about 15 minutes)

For each size: a PostgreSQL database (kawalis_bench_<size>) filled by generate_load_data,
gunicorn on 127.0.0.1 with DEBUG off and Redis as the cache, and wrk (Debian's package) as the
load generator in another process. The article page is measured in four modes, each next to
the trivial "hello" view served by the same server in the same run (the ratio to hello is the
figure that matters, since absolute numbers depend on the machine). Requests carry the
User-Agent of a phone's browser (so views are counted, as for readers) and the Accept-Encoding
a browser sends, but in "warm, no gzip":

- warm: as in production, whole pages cached for readers (served compressed, as browsers ask);
- warm, no gzip: the same for a client that asks for no compression (the whole 78 kB page);
- cold: no page cache (READER_PAGE_CACHE=0): each request renders the page, from cached parts;
- uncached: nothing kept for readers at all (READER_CACHE_SECONDS=0): every part queried and
  rendered on every request. No target; it shows what the caches save.

Each mode runs --rounds pairs of hello then article, back to back, and the median round is
shown: a shared machine's speed drifts, and only adjacent runs compare fairly. SQL queries per
page come from bench/queries.py. Each wrk run is bounded (--duration seconds), so the whole
run is bounded too.
"""

import argparse
import datetime
import json
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # kawalis.readercache.varnish starts the Varnish in front
PYTHON = str(ROOT / ".venv" / "bin" / "python")
SIZES = {
    "small": {"articles": 100, "comments": 1000},
    "large": {"articles": 100_000, "comments": 1_000_000},
    # The newsroom write mix: readers over 1,000 different stories while the newsroom writes.
    "newsroom": {"articles": 1000, "comments": 10_000},
}
# What a browser sends (Chromium's header): the load asks for pages as readers' browsers do.
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
# A reader's browser, so that article views are counted as in production (wrk sends no
# User-Agent, which the view counter takes for a bot and skips).
BROWSER_USER_AGENT = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile"
TARGETS = {"warm": 0.70, "warm, no gzip": 0.70, "cold": 0.25, "queries": 10}
MODES = {  # name: (READER_CACHE_SECONDS, READER_PAGE_CACHE, port, Accept-Encoding sent)
    "warm": (600, "1", 8790, BROWSER_ENCODINGS),
    "warm, no gzip": (600, "1", 8793, None),
    "cold": (600, "0", 8791, BROWSER_ENCODINGS),
    "uncached": (0, "0", 8792, BROWSER_ENCODINGS),
}


def environment(size, reader_cache_seconds=600, page_cache="1"):
    return {
        **os.environ,
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "DEBUG": "",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"{os.environ.get('BENCH_DATABASE_SERVER', 'postgres://postgres@127.0.0.1:5432')}/kawalis_bench_{size}",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
        "CACHE_KEY_PREFIX": f"bench-{size}",
        "STATIC_ROOT": str(ROOT / "bench-results" / "static"),
        "MEDIA_ROOT": str(ROOT / "bench-results" / "media"),
        "BENCHMARK_HELLO": "1",
        "READER_CACHE_SECONDS": str(reader_cache_seconds),
        "READER_PAGE_CACHE": page_cache,
        "GUNICORN_ACCESS_LOG": "",
        "LOG_LEVEL": "warning",
        "DJANGO_SETTINGS_MODULE": "kawalis.settings",
    }


def manage(size, *arguments, check=True, capture=False):
    return subprocess.run(
        [PYTHON, "manage.py", *arguments],
        cwd=ROOT,
        env=environment(size),
        check=check,
        text=True,
        capture_output=capture,
    )


def psql(sql):
    server = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
    return subprocess.run(
        ["psql", f"{server}/postgres", "-Atc", sql], check=True, text=True, capture_output=True
    ).stdout.strip()


def article_count(size):
    exists = psql(f"SELECT 1 FROM pg_database WHERE datname = 'kawalis_bench_{size}'")
    if not exists:
        return None
    server = os.environ.get("BENCH_DATABASE_SERVER", "postgres://postgres@127.0.0.1:5432")
    result = subprocess.run(
        ["psql", f"{server}/kawalis_bench_{size}", "-Atc", "SELECT count(*) FROM articles_article"],
        text=True,
        capture_output=True,
        check=False,
    )
    return int(result.stdout.strip()) if result.returncode == 0 and result.stdout.strip() else None


def prepare_database(size, regenerate):
    """The size's database, generated unless it already holds that many articles. Returns the
    generation's time and peak memory, or None when the database was reused."""
    wanted = SIZES[size]
    if not regenerate and article_count(size) == wanted["articles"]:
        print(f"[{size}] reusing kawalis_bench_{size} ({wanted['articles']} articles)", flush=True)
        manage(size, "migrate", "--no-input", "-v0")
        return None
    print(f"[{size}] creating kawalis_bench_{size} and generating {wanted}", flush=True)
    psql(f"DROP DATABASE IF EXISTS kawalis_bench_{size}")
    psql(f"CREATE DATABASE kawalis_bench_{size}")
    manage(size, "migrate", "--no-input", "-v0")
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    manage(
        size,
        "generate_load_data",
        "--articles",
        str(wanted["articles"]),
        "--comments",
        str(wanted["comments"]),
        "--batch-size",
        "5000",
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far (KiB on Linux); the generator is it.
    return {"seconds": seconds, "peak_mib": max(peak, before) / 1024}


class Server:
    """gunicorn as in production (gunicorn.conf.py), on a free port of 127.0.0.1."""

    def __init__(self, size, port, reader_cache_seconds, page_cache, workers, extra_env=None):
        env = environment(size, reader_cache_seconds, page_cache)
        env.update(PORT=str(port), WEB_CONCURRENCY=str(workers), **(extra_env or {}))
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "gunicorn"), "kawalis.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not answer on {self.url}: {self.process.stderr.read()[-2000:]}")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def wrk(url, duration, connections, encodings=None, script=None):
    headers = ["-H", f"User-Agent: {BROWSER_USER_AGENT}"]
    if encodings:
        headers += ["-H", f"Accept-Encoding: {encodings}"]
    if script:
        headers += ["-s", str(script)]
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", *headers, url],
        check=True,
        text=True,
        capture_output=True,
        timeout=duration + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{output}")

    def latency(percent):
        value, unit = re.search(rf"\s{percent}%\s+([\d.]+)(us|ms|s)\b", output).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    return {"rps": rps, "p50": latency(50), "p99": latency(99)}


def measure(size, duration, connections, workers, rounds):
    probe = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "queries.py")],
        cwd=ROOT,
        env=environment(size),
        check=True,
        text=True,
        capture_output=True,
    )
    queries = json.loads(probe.stdout.strip().splitlines()[-1])
    article = queries["article_url"]
    results = {"queries": queries}
    for mode, (seconds, page_cache, port, encodings) in MODES.items():
        server = Server(size, port, seconds, page_cache, workers)
        try:
            # Fill what the mode keeps (and the workers' connections) before measuring.
            wrk(f"{server.url}{article}", 2, connections, encodings)
            wrk(f"{server.url}/bench/hello", 2, connections, encodings)
            # Rounds of hello then article, back to back: a machine whose speed drifts (a shared
            # host) moves both runs of a round alike, so each round's ratio is fair; the median
            # round is reported.
            runs = []
            for _round in range(rounds):
                hello = wrk(f"{server.url}/bench/hello", duration, connections, encodings)
                article_run = wrk(f"{server.url}{article}", duration, connections, encodings)
                runs.append({"hello": hello, "article": article_run})
            runs.sort(key=lambda run: run["article"]["rps"] / run["hello"]["rps"])
            results[mode] = {
                **runs[len(runs) // 2],
                "ratios": [r["article"]["rps"] / r["hello"]["rps"] for r in runs],
            }
        finally:
            server.stop()
    return results


# --- the newsroom write mix ------------------------------------------------------------------------

# live: the live coverage's polls and page cost what any cached page costs under the same writes.
NEWSROOM_TARGETS = {"direct": 0.70, "varnish": 10.0, "live": 0.90}
# Before measuring, wrk asks for every page in turn this long: each page stored, and copied by
# every worker (a thousand first renders take about 10 s on 2 cores).
FILL_SECONDS = 30


def cycle_script(paths):
    """A wrk script asking for ``paths`` in turn: each page stored, and known to every worker."""
    script = ROOT / "bench-results" / "cycle.lua"
    script.parent.mkdir(exist_ok=True)
    quoted = ",".join(json.dumps(path) for path in paths)
    script.write_text(
        f"""-- {len(paths)} article pages in turn (made by bench/run.py)
local paths = {{{quoted}}}
local next = 0
request = function()
  next = next % #paths + 1
  return wrk.format("GET", paths[next])
end
"""
    )
    return script


def zipf_script(paths, exponent=1.0):
    """A wrk script asking for ``paths`` with Zipf-like frequencies (the first most often)."""
    cumulative, total = [], 0.0
    for rank in range(1, len(paths) + 1):
        total += 1 / rank**exponent
        cumulative.append(f"{total:.9f}")
    script = ROOT / "bench-results" / "zipf.lua"
    script.parent.mkdir(exist_ok=True)
    quoted = ",".join(json.dumps(path) for path in paths)  # JSON strings are Lua strings here (ASCII)
    script.write_text(
        f"""-- {len(paths)} article pages, Zipf-like (made by bench/run.py)
local paths = {{{quoted}}}
local cumulative = {{{",".join(cumulative)}}}
local total = cumulative[#cumulative]
math.randomseed(2026)
request = function()
  local r = math.random() * total
  local low, high = 1, #cumulative
  while low < high do
    local middle = math.floor((low + high) / 2)
    if cumulative[middle] < r then low = middle + 1 else high = middle end
  end
  return wrk.format("GET", paths[low])
end
"""
    )
    return script


def live_script(page, updates, polls_per_view=10):
    """A wrk script for readers following a live coverage: one view of its page for every
    ``polls_per_view`` polls of its updates, each poll with the newest stamp an answer gave
    (as static/js/live.js asks)."""
    script = ROOT / "bench-results" / "live.lua"
    script.parent.mkdir(exist_ok=True)
    script.write_text(
        f"""-- a live coverage followed by its readers (made by bench/run.py)
local page, updates = {json.dumps(page)}, {json.dumps(updates)}
local stamp, n = nil, 0
request = function()
  n = n + 1
  if n % {polls_per_view + 1} == 0 then return wrk.format("GET", page) end
  if stamp then return wrk.format("GET", updates .. "?since=" .. stamp) end
  return wrk.format("GET", updates)
end
response = function(status, headers, body)
  local found = body and string.match(body, 'data%-stamp="(%d+)"')
  if found and found ~= "0" then stamp = found end
end
"""
    )
    return script


def newsroom_writer(seconds, extra_env=None, live=False):
    """bench/newsroom.py writing for ``seconds`` in another process (Popen; JSON on stdout)."""
    return subprocess.Popen(
        [PYTHON, str(ROOT / "bench" / "newsroom.py"), "write", str(seconds), *(["live"] if live else [])],
        cwd=ROOT,
        env={**environment("newsroom"), **(extra_env or {})},
        stdout=subprocess.PIPE,
        text=True,
    )


def while_writing(url, seconds, connections, script, extra_env=None, live=False, encodings=BROWSER_ENCODINGS):
    writer = newsroom_writer(seconds, extra_env, live)
    try:
        result = wrk(url, seconds, connections, encodings, script)
    finally:
        out, _err = writer.communicate(timeout=120)
    result["writes"] = json.loads(out.strip().splitlines()[-1])
    return result


def measure_newsroom(duration, mix_duration, connections, workers):
    """hello, the Zipf mix without and with the newsroom writing, then the same through Varnish."""
    from kawalis.readercache.varnish import Varnish, unavailable

    listed = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "newsroom.py"), "paths"],
        cwd=ROOT,
        env=environment("newsroom"),
        check=True,
        text=True,
        capture_output=True,
    )
    paths = json.loads(listed.stdout.strip().splitlines()[-1])
    script, every_page = zipf_script(paths), cycle_script(paths)
    results = {"pages": SIZES["newsroom"]["articles"]}
    server = Server("newsroom", 8794, 600, "1", workers)
    try:
        # Every page stored and known to every worker, as after a morning of readers.
        wrk(server.url, FILL_SECONDS, connections, BROWSER_ENCODINGS, every_page)
        results["hello"] = wrk(f"{server.url}/bench/hello", duration, connections, BROWSER_ENCODINGS)
        results["direct, no writes"] = wrk(server.url, duration, connections, BROWSER_ENCODINGS, script)
        results["direct, newsroom writing"] = while_writing(server.url, mix_duration, connections, script)
        results["hello, after"] = wrk(f"{server.url}/bench/hello", duration, connections, BROWSER_ENCODINGS)
        # The live coverage: its readers poll its updates, the newsroom writes and posts an
        # entry every 10 s; next to hello in the same server run.
        live = subprocess.run(
            [PYTHON, str(ROOT / "bench" / "newsroom.py"), "live"],
            cwd=ROOT,
            env=environment("newsroom"),
            check=True,
            text=True,
            capture_output=True,
        )
        page, updates = json.loads(live.stdout.strip().splitlines()[-1])
        results["live hello"] = wrk(f"{server.url}/bench/hello", duration, connections, BROWSER_ENCODINGS)
        results["live coverage, newsroom writing + an entry every 10 s"] = while_writing(
            server.url, mix_duration, connections, live_script(page, updates), live=True
        )
    finally:
        server.stop()
    reason = unavailable()
    if reason:
        results["varnish"] = reason
        return results
    front = None
    server = None
    try:
        # Varnish needs the site's port before the site needs Varnish's purge URL.
        front = Varnish(8796)
        purge = {"FRONTEND_CACHE": front.purge_url()}
        server = Server("newsroom", 8796, 600, "1", workers, extra_env=purge)
        wrk(front.url, FILL_SECONDS, connections, BROWSER_ENCODINGS, every_page)
        results["Varnish, no writes"] = wrk(front.url, duration, connections, BROWSER_ENCODINGS, script)
        writing = while_writing(front.url, mix_duration, connections, script, purge)
        results["Varnish, newsroom writing"] = writing
    finally:
        if server is not None:
            server.stop()
        if front is not None:
            front.stop()
    return results


def newsroom_table(results, settings):
    hello = (results["hello"]["rps"] + results["hello, after"]["rps"]) / 2
    direct_warm = results["direct, no writes"]["rps"]
    lines = [
        "",
        f"Newsroom write mix: wrk over {results['pages']} article pages (Zipf-like, the top story most "
        f"often) for {settings['mix_duration']} s while another process approves a comment every 2 s, "
        "edits a story every 30 s and flushes the view counts every minute (bench/newsroom.py). "
        "hello: the trivial view on the same server, before and after (their mean is the baseline).",
        "",
        "| run | req/s | compared with | ratio | target | p50 ms | p99 ms | writes done |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |",
        f"| hello (before / after) | {results['hello']['rps']:.0f} / {results['hello, after']['rps']:.0f} "
        "| - | - | - | - | - | - |",
    ]

    def row(name, baseline_name, baseline, target=None):
        run = results[name]
        ratio = run["rps"] / baseline
        verdict = "-"
        if target is not None:
            verdict = f">= {target:g}x {'ok' if ratio >= target else 'MISSED'}"
        writes = run.get("writes")
        done = ", ".join(f"{key}: {value}" for key, value in writes.items()) if writes else "-"
        lines.append(
            f"| {name} | {run['rps']:.0f} | {baseline_name} | {ratio:.2f}x | {verdict} | {run['p50']:.1f} | "
            f"{run['p99']:.1f} | {done} |"
        )

    row("direct, no writes", "hello", hello)
    row("direct, newsroom writing", "hello", hello, NEWSROOM_TARGETS["direct"])
    if "live hello" in results:
        live = "live coverage, newsroom writing + an entry every 10 s"
        row(live, "hello just before", results["live hello"]["rps"])
        row(
            live,
            "direct, newsroom writing",
            results["direct, newsroom writing"]["rps"],
            NEWSROOM_TARGETS["live"],
        )
    if isinstance(results.get("varnish"), str):
        lines.append(f"\nVarnish rows skipped: {results['varnish']}")
    else:
        row("Varnish, no writes", "direct, no writes", direct_warm)
        row("Varnish, newsroom writing", "direct, no writes", direct_warm, NEWSROOM_TARGETS["varnish"])
    return lines


def machine():
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = ""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) // 1024 // 1024} GiB RAM"
    pg = psql("SHOW server_version")
    system = f"{platform.system()} {platform.release()}"
    python = platform.python_version()
    return f"{cpu}, {os.cpu_count()} cores, {memory}, {system}, Python {python}, PostgreSQL {pg}"


def table(all_results, generation, settings):
    lines = [
        f"Kawalis benchmark, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"Machine: {machine()}",
        f"Server: gunicorn, {settings['workers']} workers, DEBUG off, PostgreSQL + Redis; load: wrk -t1 "
        f"-c{settings['connections']} -d{settings['duration']}s on the same machine; "
        f"{settings['rounds']} rounds of hello then article per mode, the median round shown",
        "",
        "| size | mode | hello req/s | article req/s | article/hello | all rounds | target "
        "| p50 ms | p99 ms |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
    ]
    for size, results in all_results.items():
        for mode in MODES:
            hello, article = results[mode]["hello"], results[mode]["article"]
            ratio = article["rps"] / hello["rps"]
            target = "-"
            if mode in TARGETS:
                target = f">= {TARGETS[mode]:.0%} {'ok' if ratio >= TARGETS[mode] else 'MISSED'}"
            spread = f"{min(results[mode]['ratios']):.0%}–{max(results[mode]['ratios']):.0%}"
            lines.append(
                f"| {size} | {mode} | {hello['rps']:.0f} | {article['rps']:.0f} | {ratio:.0%} | {spread} | "
                f"{target} | {article['p50']:.1f} | {article['p99']:.1f} |"
            )
    lines += [
        "",
        "SQL queries per page: empty cache / first view (shared parts cached) / warm",
        "",
        "| size | comments on the article | article | home | category | most, empty cache |",
        "| --- | ---: | --- | --- | --- | --- |",
    ]
    for size, results in all_results.items():
        q = results["queries"]
        pages = ("article", "home", "category")
        cells = [f"{q[p]['empty']} / {q[p]['first']} / {q[p]['warm']}" for p in pages]
        most = max(q[p]["empty"] for p in pages)
        verdict = "ok" if most <= TARGETS["queries"] else "MISSED"
        cells.append(f"{most} (target <= {TARGETS['queries']} {verdict})")
        lines.append(f"| {size} | {q['comments']} | {' | '.join(cells)} |")
    if len(all_results) == 2:
        small, large = all_results["small"], all_results["large"]
        lines += ["", "Large / small ratios (near 1 means size does not matter):", ""]
        for mode in MODES:
            # Each size's article/hello ratio, so that a machine slower during one size's run
            # does not pass for a cost of the archive's size.
            ratio = (large[mode]["article"]["rps"] / large[mode]["hello"]["rps"]) / (
                small[mode]["article"]["rps"] / small[mode]["hello"]["rps"]
            )
            lines.append(f"- article/hello {mode}: {ratio:.2f}")
        for page in ("article", "home", "category"):
            for kind in ("empty", "first"):
                a, b = large["queries"][page][kind], small["queries"][page][kind]
                lines.append(f"- {page} queries ({kind}): {a} vs {b}")
    for size, gen in generation.items():
        if gen:
            lines.append(
                f"\ngenerate_load_data {size} ({SIZES[size]['articles']} articles, {SIZES[size]['comments']} "
                f"comments): {gen['seconds']:.0f} s, peak memory {gen['peak_mib']:.0f} MiB"
            )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,large", help="comma-separated: small, large")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=3, help="hello/article pairs per mode; the median is shown"
    )
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--regenerate", action="store_true", help="rebuild the databases even if present")
    parser.add_argument(
        "--mix-duration", type=int, default=60, help="seconds of each newsroom write-mix run (default 60)"
    )
    parser.add_argument("--no-newsroom", action="store_true", help="leave out the newsroom write mix")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: scripts/bench installs it (apt-get install wrk).")
    sizes = [size.strip() for size in args.sizes.split(",") if size.strip()]
    unknown = set(sizes) - {"small", "large"}
    if unknown:
        raise SystemExit(f"unknown size(s): {', '.join(sorted(unknown))}; choose from small, large")

    print("collecting static files (hashed, compressed: as in production)", flush=True)
    manage(sizes[0] if sizes else "newsroom", "collectstatic", "--no-input", "-v0")
    generation, results = {}, {}
    for size in sizes:
        generation[size] = prepare_database(size, args.regenerate)
        print(f"[{size}] measuring", flush=True)
        results[size] = measure(size, args.duration, args.connections, args.workers, args.rounds)
    report = table(results, generation, vars(args))
    if not args.no_newsroom:
        generation["newsroom"] = prepare_database("newsroom", args.regenerate)
        print("[newsroom] measuring the write mix", flush=True)
        results["newsroom"] = measure_newsroom(
            args.duration, args.mix_duration, args.connections, args.workers
        )
        report += "\n".join(newsroom_table(results["newsroom"], vars(args)))
    print("\n" + report)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(report + "\n")
    (out / "latest.json").write_text(json.dumps({"results": results, "generation": generation}, indent=2))


if __name__ == "__main__":
    sys.exit(main())
