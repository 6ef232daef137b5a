"""Health endpoints for load balancers, orchestrators and monitors.

- ``/healthz/live`` (liveness): this process answers requests. It touches neither the database
  nor the cache, so an outage of either never takes a web server out of a load balancer: with
  PostgreSQL away, cached pages are still served; with Redis away, pages come from PostgreSQL.
- ``/healthz/ready`` (readiness), and ``/healthz`` as before: the database answers a query and
  the cache answers (Redis a PING, through its circuit breaker, so a frozen Redis costs one
  timeout at most; the SQLite cache file a write read back). 200 when both do; 503 naming the
  part that failed and the error's class (no connection strings or host names: the endpoint is
  public).
"""

import uuid

from django.core.cache import cache
from django.db import connections
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .readercache.store import redis_client


def check_database():
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache():
    client = redis_client()
    if client is not None:
        # Through Django's cache a Redis out of reach reads as a miss (kawalis/redis_cache.py):
        # asked directly, it says why. Its circuit breaker keeps this fast when Redis is frozen.
        client.ping()
        return
    key = f"healthz:{uuid.uuid4().hex}"
    cache.set(key, "ok", timeout=10)
    try:
        if cache.get(key) != "ok":
            raise RuntimeError("the cache did not return what was written")
    finally:
        cache.delete(key)


CHECKS = {"database": check_database, "cache": check_cache}


@never_cache
@require_safe
def live(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as error:  # any failure is the answer, not a 500
            results[name] = f"error: {type(error).__name__}"
        else:
            results[name] = "ok"
    healthy = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if healthy else "error", **results}, status=200 if healthy else 503)
