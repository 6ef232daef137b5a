"""Rate limits: one rule for everything that can be flooded (comment posts and reports, newsletter
signups, admin sign-in).

A ``Limit`` counts events in the shared cache (Redis in production, the SQLite cache file every
process shares by default) in buckets, each with its own allowance over the limit's window:

- per address: one IP address (``kawalis.client_address.client_address``);
- per network: its /24 (IPv4) or /64 (IPv6) (``kawalis.client_address.network_of``). Whoever
  holds a whole /64 (every IPv6 home and phone does) or rents neighbouring IPv4 addresses is one
  network, however many addresses they use;
- per identity: what the event is about, an e-mail or a username (without case or surrounding
  spaces).

How it holds:

- **Counted before judged.** An event increments its buckets first, atomically (one Lua script
  on Redis; on other backends ``add`` then ``incr``, each a single atomic statement on the SQLite
  cache file), and is judged by the count it got. Twenty simultaneous requests get twenty
  different counts, so exactly the allowance passes; a check that reads the count and adds to it
  afterwards lets every simultaneous request read the same number.
- **In order, stopping at the first refusal**: address, network, identity. An event its address
  refuses is not counted against its network, so one machine spends at most its own allowance of
  its neighbours' and cannot shut out the /24 around it on its own.
- **A fixed window started by the first event**: a bucket's counter is created with the window as
  its expiry and counted up in place; once it expires the next event starts a new window. At most
  the allowance per window, and at most twice the allowance within any window's length (the end
  of one window and the start of the next); chosen over a sliding window for one counter per
  bucket and one round trip per event.
- **No address, network, e-mail or username in any key**: a key holds a keyed hash (HMAC-SHA256
  under a key derived from ``SECRET_KEY`` for this use alone) of the limit's name, the bucket's
  kind and the value. A plain hash would not do: every IPv4 address can be hashed in minutes and
  looked up. A dump of Redis shows nothing personal.
- **An address that cannot be read is counted in no address or network bucket.**
  ``client_address`` gives "" only when the deployment cannot tell its clients apart (a Unix
  socket with no proxy header, a proxy that sends no address); a client cannot choose to be
  unreadable, since the address comes from the socket or from our own proxy. One shared bucket
  for all of them would let the first flood shut out every reader and every editor at once, so
  those buckets are skipped, the identity bucket still counts (each admin username keeps its
  limit), and a warning names the settings to fix.
- **Redis away, limits still hold, per process.** When Redis cannot be reached (its timeouts and
  circuit breaker, ``kawalis/redis_cache.py``), each process counts in its own memory with the
  same rule, and a warning says so once a minute: a flood meets the allowance of every web
  process instead of the site's, never no limit at all.
"""

import logging
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.utils.crypto import salted_hmac

from .client_address import client_address, network_of, normalized_address
from .readercache.store import redis_client
from .redis_cache import REDIS_UNAVAILABLE

logger = logging.getLogger(__name__)

KEY_PREFIX = "ratelimit"
_HASH_SALT = "kawalis.ratelimit.bucket"

# Redis: count the event in each bucket in turn, stopping at the first past its allowance.
# KEYS: the buckets, in the order they are judged. ARGV: the window in seconds, then each
# bucket's allowance. Returns {buckets counted, 1 if allowed else 0}. A counter without an expiry
# (only INCR's own fresh key can be one) gets the window: no bucket can outlive it by accident.
_COUNT_SCRIPT = """
local window = tonumber(ARGV[1])
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if redis.call('TTL', key) == -1 then redis.call('EXPIRE', key, window) end
  if count > tonumber(ARGV[i + 1]) then return {i, 0} end
end
return {#KEYS, 1}
"""

# Redis: give one event back to each bucket that still counts it (never creating one: a DECR of a
# missing key would make a counter without an expiry).
_GIVE_BACK_SCRIPT = """
for _, key in ipairs(KEYS) do
  if (tonumber(redis.call('GET', key)) or 0) > 0 then redis.call('DECR', key) end
end
return 0
"""


@dataclass(frozen=True)
class Limit:
    """Allowances for one kind of event over ``window`` seconds; ``None``: that bucket is not kept.

    Build it where it is used, from the settings of the moment::

        Limit("newsletter-signup", window=3600, per_address=settings.NEWSLETTER_SIGNUPS_PER_IP,
              per_network=settings.NEWSLETTER_SIGNUPS_PER_NETWORK).hit(request).allowed
    """

    name: str
    window: int
    per_address: int | None = None
    per_network: int | None = None
    per_identity: int | None = None

    def hit(self, who=None, *, identity=None):
        """Count one event from ``who`` (a request, or an address as ``client_address`` gives it;
        None when the event has no address) about ``identity``, and judge it: a ``Hit``."""
        buckets = []  # (key, allowance, kind)
        if who is not None and (self.per_address is not None or self.per_network is not None):
            address = normalized_address(who) if isinstance(who, str) else client_address(who)
            if address:
                if self.per_address is not None:
                    buckets.append((self._key("address", address), self.per_address, "address"))
                if self.per_network is not None:
                    buckets.append((self._key("network", network_of(address)), self.per_network, "network"))
            else:
                _warn_unreadable_address()
        if self.per_identity is not None and _identity(identity):
            buckets.append((self._key("identity", _identity(identity)), self.per_identity, "identity"))
        if not buckets:
            return Hit(allowed=True, counted=())
        counted, allowed = _backend().count(
            [(key, allowance) for key, allowance, _kind in buckets], self.window
        )
        return Hit(
            allowed=allowed,
            counted=tuple(key for key, _allowance, _kind in buckets[:counted]),
            refused_by="" if allowed else buckets[counted - 1][2],
        )

    def clear(self, *, identity):
        """Forget what ``identity`` has spent in this window (a sign-in that succeeded)."""
        if self.per_identity is not None and _identity(identity):
            key = self._key("identity", _identity(identity))
            cache.delete(key)
            _local_counters.cache.delete(key)  # counted there while Redis was away

    def _key(self, kind, value):
        digest = salted_hmac(_HASH_SALT, f"{self.name}\n{kind}\n{value}", algorithm="sha256").hexdigest()
        return f"{KEY_PREFIX}:{self.name}:{kind}:{digest[:32]}"


@dataclass(frozen=True)
class Hit:
    """One event as a ``Limit`` judged it: ``allowed``, or refused by the bucket ``refused_by``
    ("address", "network" or "identity") past its allowance."""

    allowed: bool
    counted: tuple  # the keys of the buckets the event was counted in
    refused_by: str = ""

    def __bool__(self):
        raise TypeError("Ask hit.allowed: whether a Hit is true would not say which way it went.")

    def give_back(self):
        """Uncount this event from every bucket it was counted in (an admin sign-in that succeeded
        should not use up its office's allowance)."""
        if self.counted:
            _backend().give_back(list(self.counted))


def _identity(value):
    return " ".join(str(value or "").split()).casefold()


# --- where the counters live --------------------------------------------------------------------


class _CacheCounters:
    """Over Django's cache API, for any backend whose ``add`` and ``incr`` are each atomic (the
    SQLite cache file: one statement each; local memory: one lock)."""

    def __init__(self, store=None):
        self.store = store  # None: Django's default cache

    @property
    def cache(self):
        return cache if self.store is None else self.store

    def count(self, buckets, window):
        """``(buckets counted, allowed)`` for one event in ``buckets`` (``[(key, allowance)]``)."""
        for index, (key, allowance) in enumerate(buckets, start=1):
            if self._count(key, window) > allowance:
                return index, False
        return len(buckets), True

    def _count(self, key, window):
        for _attempt in range(5):
            if self.cache.add(key, 1, timeout=window):
                return 1
            try:
                return self.cache.incr(key)
            except ValueError:  # expired between add() and incr(): the next add() starts a window
                continue
        raise RuntimeError(f"The cache would neither add nor increment the rate-limit counter {key}.")

    def give_back(self, keys):
        for key in keys:
            try:
                if self.cache.decr(key) < 0:
                    self.cache.incr(key)
            except ValueError:  # the window is over: nothing left to give back
                pass


class _RedisCounters:
    """On Redis: one script call per event, atomic on the server whatever the number of web
    processes and servers."""

    def __init__(self, client):
        self.client = client
        self._count_script = client.register_script(_COUNT_SCRIPT)
        self._give_back_script = client.register_script(_GIVE_BACK_SCRIPT)

    def count(self, buckets, window):
        keys = [cache.make_and_validate_key(key) for key, _allowance in buckets]
        args = [max(1, int(window)), *(allowance for _key, allowance in buckets)]
        try:
            counted, allowed = self._count_script(keys=keys, args=args)
        except REDIS_UNAVAILABLE as error:
            _warn_counting_locally(error)
            return _local_counters.count(buckets, window)
        return int(counted), allowed == 1

    def give_back(self, keys):
        try:
            self._give_back_script(keys=[cache.make_and_validate_key(key) for key in keys])
        except REDIS_UNAVAILABLE:
            _local_counters.give_back(keys)


# While Redis is away: this process's own counters, with the same keys and rule.
_local_counters = _CacheCounters(
    LocMemCache("kawalis-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 100_000}})
)
_local_warned = {"at": float("-inf")}


def _warn_counting_locally(error):
    with _warned_lock:
        if time.monotonic() - _local_warned["at"] < 60:
            return
        _local_warned["at"] = time.monotonic()
    logger.warning(
        "Redis is unavailable (%s): rate limits are counted in each web process until it returns.",
        type(error).__name__,
    )


_counters = {}


def _backend():
    client = redis_client()
    backend = _counters.get(id(client))
    if backend is None:
        backend = _counters[id(client)] = _CacheCounters() if client is None else _RedisCounters(client)
    return backend


# --- an address that cannot be read -----------------------------------------------------------

_WARN_EVERY_SECONDS = 600
_warned = {"at": float("-inf")}
_warned_lock = threading.Lock()


def _warn_unreadable_address():
    with _warned_lock:
        if time.monotonic() - _warned["at"] < _WARN_EVERY_SECONDS:
            return
        _warned["at"] = time.monotonic()
    logger.warning(
        "A request came with no readable client address, so rate limits by address and network "
        "cannot apply to it. Behind a reverse proxy set BEHIND_PROXY=1 (it appends X-Forwarded-For) "
        "or CLIENT_IP_HEADER (the header it overwrites with the client's address)."
    )
