"""Django's Redis cache, as an accelerator: fast when Redis answers, out of the way when it does not.

**One client object per connection pool.** Django's ``RedisCacheClient.get_client()`` builds a
new ``redis.Redis`` object for every cache call. The connection pool is shared, so this is
correct, but with redis-py 8 each new object copies its table of response callbacks: about
0.2 ms of CPU per call, three calls per cached page, which made a cached page cost three times a
trivial view. A ``redis.Redis`` object is safe to share between threads (each command takes a
connection from the pool) and after a fork (the pool notices the new process), so one per pool
is kept.

**Redis down or frozen costs milliseconds, not seconds.** Every connection to Redis (the cache's,
the readers' cache's scripts, the rate limiter's) is a ``GuardedConnection``: short socket and
connect timeouts (``REDIS_SOCKET_TIMEOUT``, ``REDIS_CONNECT_TIMEOUT``) and one circuit breaker
per Redis server and process. After ``REDIS_BREAKER_FAILURES`` failures in a row (refused,
dropped, timed out) the breaker opens: for ``REDIS_BREAKER_SECONDS`` every command fails at
once, without touching the network, so a frozen Redis (a stopped process, a full network
buffer, a partition) cannot hold each request for a timeout. Then one background thread asks
Redis (a PING on a connection of its own): no reader's request waits for that answer. Redis
answers, the breaker closes; it does not, the breaker stays open another period. One line is
logged when it opens and one when Redis answers again.

**Failures read as misses.** Through Django's cache API (sessions, spam word lists, most-read
notes, the health check) a Redis that cannot be reached reads as an empty cache: ``get()``
gives the default, ``add()`` adds nothing (False), ``set()`` and ``delete()`` do nothing.
Sessions are ``cached_db``, so they come from the database meanwhile. What needs more than a
miss (the readers' cache, the rate limiter, view counting) handles ``REDIS_UNAVAILABLE``
itself. ``incr()`` and ``clear()`` still raise: no caller could take a made-up answer from them.

A write that did not reach Redis leaves its key's old value there (a session saved, or deleted
at sign-out, during the outage). The process notes each such key and deletes them all at its
next cache call that reaches Redis, before anything else: a session comes from the database then,
never from its copy of before the outage. (A process that exits before Redis returns forgets its
list; up to ``UNSETTLED_KEYS_KEPT`` keys are kept.)
"""

import logging
import threading
import time

import redis
from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What a Redis that is down, frozen or out of reach raises (the breaker's refusals included).
REDIS_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


class BreakerOpen(RedisConnectionError):
    """Refused without trying: the breaker of this Redis server is open."""


class CircuitBreaker:
    """Closed (calls go through), or open after ``failures`` failures in a row: calls are refused.
    Every ``seconds`` while open, ``probe()`` (set by the first connection: a PING on a fresh
    connection; it raises if Redis does not answer) runs in a thread of its own and closes the
    breaker when it succeeds. Without a probe, calls are let through again after ``seconds``.
    ``failures`` and ``seconds`` default to REDIS_BREAKER_FAILURES and REDIS_BREAKER_SECONDS,
    read when needed (only after a failure)."""

    def __init__(self, name, failures=None, seconds=None):
        self.name = name
        self._failures_to_open = failures
        self._seconds = seconds
        self._lock = threading.Lock()
        self._failures = 0
        self._open_until = None  # time.monotonic() until which calls are refused, or None: closed
        self.probe = None
        self._probing = False

    @property
    def is_open(self):
        return self._open_until is not None

    def allows(self):
        """Whether a call may go to the server now."""
        until = self._open_until
        if until is None:
            return True
        if time.monotonic() < until:
            return False
        if self.probe is None:
            return True
        self._start_probe()
        return False

    def _period(self):
        return self._seconds if self._seconds is not None else settings.REDIS_BREAKER_SECONDS

    def _start_probe(self):
        with self._lock:
            if self._probing or self._open_until is None:
                return
            self._probing = True
            self._open_until = time.monotonic() + self._period()  # one probe per period
        threading.Thread(target=self._run_probe, name=f"redis-probe {self.name}", daemon=True).start()

    def _run_probe(self):
        try:
            self.probe()
        except Exception:  # any failure: still unavailable, asked again next period
            with self._lock:
                if self._open_until is not None:
                    self._open_until = time.monotonic() + self._period()
        else:
            self.succeeded()
        finally:
            self._probing = False

    def succeeded(self):
        if self._failures == 0 and self._open_until is None:
            return  # the usual case: nothing to write, no lock
        with self._lock:
            was_open = self._open_until is not None
            self._failures = 0
            self._open_until = None
        if was_open:
            logger.warning("Redis at %s answers again: the cache is back in use.", self.name)

    def failed(self, error):
        failures = self._failures_to_open or settings.REDIS_BREAKER_FAILURES
        seconds = self._period()
        with self._lock:
            self._failures += 1
            was_open = self._open_until is not None
            if not was_open and self._failures < failures:
                return
            self._open_until = time.monotonic() + seconds
        if not was_open:
            logger.warning(
                "Redis at %s is unavailable (%s): pages come from the database, rate limits are "
                "counted in each process, view counting pauses; trying again every %s s.",
                self.name,
                type(error).__name__,
                seconds,
            )


_breakers = {}
_breakers_lock = threading.Lock()


def breaker_for(name):
    """The circuit breaker of the Redis server ``name`` (``host:port`` or a socket's path) in
    this process."""
    breaker = _breakers.get(name)
    if breaker is None:
        with _breakers_lock:
            breaker = _breakers.setdefault(name, CircuitBreaker(name))
    return breaker


def breakers():
    """The breakers of this process, by server."""
    return dict(_breakers)


class _Guarded:
    """A redis-py connection that asks its server's circuit breaker before each command and tells
    it how each one went."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._kawalis_settings = (args, kwargs)

    def _breaker(self):
        breaker = getattr(self, "_kawalis_breaker", None)
        if breaker is None:
            name = getattr(self, "path", "") or f"{self.host}:{self.port}"
            breaker = self._kawalis_breaker = breaker_for(name)
            if breaker.probe is None:
                breaker.probe = self._ping_on_a_new_connection
        return breaker

    def _ping_on_a_new_connection(self):
        """PING on a connection of the probe's own, unguarded, with the same settings and
        timeouts: raises unless Redis answers."""
        unguarded = next(base for base in type(self).__mro__ if base.__module__.startswith("redis."))
        args, kwargs = self._kawalis_settings
        connection = unguarded(*args, **kwargs)
        try:
            connection.send_command("PING")
            if connection.read_response() not in {b"PONG", "PONG", True}:
                raise RedisConnectionError("Redis did not answer PING with PONG")
        finally:
            connection.disconnect()

    def _refuse_if_open(self):
        breaker = self._breaker()
        if not breaker.allows():
            raise BreakerOpen(f"Redis at {breaker.name} is unavailable (circuit open)")
        return breaker

    @staticmethod
    def _count_failure(breaker, error):
        # Once per error: a failed handshake fails the connect() around it too.
        if not isinstance(error, BreakerOpen) and not getattr(error, "kawalis_counted", False):
            error.kawalis_counted = True
            breaker.failed(error)

    def connect_check_health(self, *args, **kwargs):
        if self._sock:
            return super().connect_check_health(*args, **kwargs)
        breaker = self._refuse_if_open()
        try:
            return super().connect_check_health(*args, **kwargs)
        except REDIS_UNAVAILABLE as error:
            self._count_failure(breaker, error)
            raise

    def send_packed_command(self, command, check_health=True):
        breaker = self._refuse_if_open()
        try:
            return super().send_packed_command(command, check_health=check_health)
        except REDIS_UNAVAILABLE as error:
            self._count_failure(breaker, error)
            raise

    def read_response(self, *args, **kwargs):
        breaker = self._breaker()
        try:
            response = super().read_response(*args, **kwargs)
        except REDIS_UNAVAILABLE as error:
            self._count_failure(breaker, error)
            raise
        except redis.exceptions.ResponseError:
            breaker.succeeded()  # the server answered (with an error of the command's)
            raise
        breaker.succeeded()
        return response


class GuardedConnection(_Guarded, redis.Connection):
    pass


class GuardedSSLConnection(_Guarded, redis.SSLConnection):
    pass


class GuardedUnixConnection(_Guarded, redis.UnixDomainSocketConnection):
    pass


def guarded_connection_class(url):
    if url.startswith("rediss://"):
        return GuardedSSLConnection
    if url.startswith("unix://"):
        return GuardedUnixConnection
    return GuardedConnection


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
        self._options = {
            "connection_class": guarded_connection_class(self._servers[0]),
            "socket_timeout": settings.REDIS_SOCKET_TIMEOUT,
            "socket_connect_timeout": settings.REDIS_CONNECT_TIMEOUT,
            **self._options,
        }

    # --- a Redis out of reach reads as an empty cache (the module's docstring) -----------------

    def _settle(self):
        """Delete the keys whose writes did not reach Redis (see the module's docstring)."""
        with _unsettled_lock:
            keys = list(_unsettled)
            _unsettled.clear()
        try:
            self._cache.delete_many(keys)
        except REDIS_UNAVAILABLE:
            _note_unsettled(keys)
            raise

    def _unreached(self, keys, version):
        _note_unsettled(self.make_and_validate_key(key, version=version) for key in keys)

    def get(self, key, default=None, version=None):
        try:
            if _unsettled:
                self._settle()
            return super().get(key, default, version)
        except REDIS_UNAVAILABLE:
            return default

    def get_many(self, keys, version=None):
        try:
            if _unsettled:
                self._settle()
            return super().get_many(keys, version)
        except REDIS_UNAVAILABLE:
            return {}

    def has_key(self, key, version=None):
        try:
            if _unsettled:
                self._settle()
            return super().has_key(key, version)
        except REDIS_UNAVAILABLE:
            return False

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            if _unsettled:
                self._settle()
            return super().add(key, value, timeout, version)
        except REDIS_UNAVAILABLE:
            self._unreached([key], version)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            if _unsettled:
                self._settle()
            super().set(key, value, timeout, version)
        except REDIS_UNAVAILABLE:
            self._unreached([key], version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            if _unsettled:
                self._settle()
            return super().set_many(data, timeout, version)
        except REDIS_UNAVAILABLE:
            self._unreached(data, version)
            return list(data)  # Django's contract: the keys that were not stored

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            if _unsettled:
                self._settle()
            return super().touch(key, timeout, version)
        except REDIS_UNAVAILABLE:
            return False

    def delete(self, key, version=None):
        try:
            if _unsettled:
                self._settle()
            return super().delete(key, version)
        except REDIS_UNAVAILABLE:
            self._unreached([key], version)
            return False

    def delete_many(self, keys, version=None):
        try:
            if _unsettled:
                self._settle()
            super().delete_many(keys, version)
        except REDIS_UNAVAILABLE:
            self._unreached(keys, version)


# Keys (as stored) whose last write in this process did not reach Redis, to delete once it answers.
UNSETTLED_KEYS_KEPT = 100_000
_unsettled = set()
_unsettled_lock = threading.Lock()


def _note_unsettled(keys):
    with _unsettled_lock:
        for key in keys:
            if len(_unsettled) >= UNSETTLED_KEYS_KEPT:
                logger.error(
                    "More than %s cache writes missed Redis while it was unavailable: the oldest "
                    "values of the others may be read once it returns.",
                    UNSETTLED_KEYS_KEPT,
                )
                return
            _unsettled.add(key)
