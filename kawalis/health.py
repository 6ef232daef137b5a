"""``/healthz``: can this web process serve pages? Load balancers and monitors ask it.

It checks what every reader page needs: the database answers a query and the cache takes a
write and gives it back. A failure answers 503 with the part that failed and the error's
class (no connection strings or host names: the endpoint is public).
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
def healthz(request):
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
