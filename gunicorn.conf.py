"""gunicorn settings for production: ``gunicorn kawalis.wsgi`` (from the repository root).

Everything can be overridden from the environment, so the same file serves one small VPS and
a fleet behind a load balancer. See README "Deploying".
"""

import multiprocessing
import os
import re

from gunicorn.glogging import Logger

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Processes: the usual 2 x cores + 1 (Django views are mostly I/O-bound waiting for
# PostgreSQL and Redis). WEB_CONCURRENCY is the name most platforms set.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# Threads per process help when requests wait on the database; 1 keeps each worker simple.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request that takes longer than this is stuck: the worker is killed and replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never takes a server down (jitter: not all at once).
# Not too often: a new worker starts without its copies of the pages (readercache), and at the
# thousand pages a second a worker serves in a spike, 5,000 requests recycled it every 5 s.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# Load the app once in the master and fork: faster start, shared memory.
preload_app = True
# X-Forwarded-Proto and its kind are trusted only behind a proxy (BEHIND_PROXY): otherwise any
# local process could claim https for a plain request.
_behind_proxy = os.environ.get("BEHIND_PROXY", "").strip().lower() in {"1", "true", "yes", "on"}
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1" if _behind_proxy else "")

# Access log without the reader's address, user agent, referrer or query string (tokens and
# e-mail addresses travel in query strings): method, path, status, size, time.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
access_log_format = '%(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()

_TOKEN_SEGMENT = re.compile(r"/[A-Za-z0-9_:.=-]{24,}(?=/|$)")


class RedactingLogger(Logger):
    """Hides token-like path segments (confirmation and unsubscribe links) in the access log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        # None for a request gunicorn refused while reading its headers (Content-Length: abc):
        # the logger must never raise, or the worker dies.
        atoms["U"] = _TOKEN_SEGMENT.sub("/[token]", atoms.get("U") or "")
        return atoms


logger_class = RedactingLogger
