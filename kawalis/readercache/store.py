"""Where the readers' cache keeps its entries, the versions of its tags and its clock.

Every entry (a whole page, a fragment, data a view needs) is stored with the tags of what it
shows (``article:42``, ``comments:42``, ``breaking``...) and the version each tag had then. A
change gives its tags new versions: an entry is current while every tag it names still has the
version it was stored with. Nothing is ever listed or deleted to invalidate, so invalidating is
as cheap on a Redis shared by many servers as in one file.

The clock moves on with every invalidation. A render notes the clock before it reads anything
and stores what it made only if the clock has not moved since: data read before a change was
committed is never stored under the versions that follow the change. The order of the steps is
what makes this hold without a transaction: an invalidation moves the clock first and the tags
second; a store reads the tags first and the clock second (so either it sees the old versions,
and the entry is stale at once, or the clock has already moved, and nothing is stored).

Two implementations of one interface, chosen once at start-up (``get_store()``): over Django's
cache, whatever its backend (on the embedded default the SQLite file every process shares,
``kawalis/sqlite_cache.py``), and over Redis, where a read of any number of entries, with the
check of their tags and the counting of the reader's view, is one round trip (``lua/read.lua``).

Redis is an accelerator: when it cannot be reached (``kawalis/redis_cache.py``, its timeouts and
circuit breaker), every read finds nothing and every write stores nothing, so pages are rendered
from the database; views are not counted meanwhile (one log line a minute says so); a change
whose tags could not be moved on is moved on by this process once Redis answers again, before
it reads anything from it.
"""

import contextlib
import functools
import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError
from redis.exceptions import TimeoutError as RedisTimeoutError

from kawalis.redis_cache import REDIS_UNAVAILABLE, BreakerOpen

from . import front

logger = logging.getLogger(__name__)
CLOCK_KEY = "rc:clock"
DUE_KEY = "rc:due"  # tags to make stale at a given time (a scheduled story)
TAG_PREFIX = "rc:tag:"
ENTRY_PREFIX = "rc:"
LUA = Path(__file__).resolve().parent / "lua"

# States of an entry read back.
MISSING, CURRENT, STALE = 0, 1, 2


@dataclass
class Entry:
    state: int  # CURRENT or STALE
    head: str  # names this copy of the entry: a new one each time it is stored
    tags: dict  # tag -> the version it had when the entry was stored
    payload: bytes | None  # None when the caller's own copy (same head) is the stored one

    @property
    def current(self):
        return self.state == CURRENT


def check_tag(name):
    if not name or any(char in name for char in " =\n"):
        raise ValueError(f"A reader-cache tag has no spaces, '=' or new lines: {name!r}")
    return name


def head_line(head, tags):
    """``<head>\n<tag>=<version> ...``: what names an entry and says when it is current."""
    return f"{head}\n" + " ".join(f"{name}={version}" for name, version in sorted(tags.items()))


def decode_head(line):
    head, _newline, pairs = line.partition("\n")
    return head, dict(pair.split("=", 1) for pair in pairs.split())


def encode_entry(head, tags, payload):
    return f"{head_line(head, tags)}\n".encode() + payload


def decode_entry(raw, state):
    head, pairs, payload = raw.split(b"\n", 2)
    return Entry(state, *decode_head(f"{head.decode()}\n{pairs.decode()}"), payload)


def new_version():
    return secrets.randbits(62)


class CacheStore:
    """The store over Django's default cache (any backend)."""

    # Whether read() counts a reader's view in the same round trip (else the caller counts).
    counts_views = False

    # --- versions and the clock --------------------------------------------------------------

    def clock(self):
        value = cache.get(CLOCK_KEY)
        if value is None:
            cache.add(CLOCK_KEY, new_version(), timeout=None)
            value = cache.get(CLOCK_KEY)
        return value

    def versions(self, tags):
        """The current version of each tag; a tag never seen (or evicted) gets one now."""
        keys = {TAG_PREFIX + name: name for name in tags}
        found = cache.get_many(list(keys))
        missing = [key for key in keys if key not in found]
        if missing:
            for key in missing:
                cache.add(key, new_version(), timeout=None)  # another process may win: read back
            found.update(cache.get_many(missing))
        return {keys[key]: str(version) for key, version in found.items()}

    def bump(self, tags):
        """New versions for ``tags`` (the clock first: see the module's docstring)."""
        try:
            cache.incr(CLOCK_KEY)
        except ValueError:
            cache.set(CLOCK_KEY, new_version(), timeout=None)
        cache.set_many({TAG_PREFIX + check_tag(name): new_version() for name in tags}, timeout=None)

    # --- changes that come by the clock ---------------------------------------------------------

    def make_stale_at(self, when, tags):
        """Make ``tags`` stale at ``when`` (a Unix time): the first read after it does."""
        with self._due_lock():
            due = cache.get(DUE_KEY) or []
            due.append((float(when), tuple(tags)))
            cache.set(DUE_KEY, due, timeout=None)

    def seconds_until_due(self):
        """Seconds until the next tags are due to be made stale, or None."""
        due = cache.get(DUE_KEY) or []
        return max(0.0, min(when for when, _tags in due) - time.time()) if due else None

    def _make_due_stale(self, due):
        """Bump what is due of ``due`` (as read); the tags bumped, or ()."""
        now = time.time()
        if not any(when <= now for when, _tags in due):
            return ()
        with self._due_lock():
            due = cache.get(DUE_KEY) or []  # read again under the lock
            ready = [tags for when, tags in due if when <= now]
            if ready:
                names = tuple(dict.fromkeys(name for tags in ready for name in tags))
                self.bump(names)
                cache.set(DUE_KEY, [item for item in due if item[0] > now], timeout=None)
                return names
        return ()

    @contextlib.contextmanager
    def _due_lock(self):
        for _attempt in range(200):  # at most about 2 s
            if cache.add(f"{DUE_KEY}:lock", 1, timeout=5):
                break
            time.sleep(0.01)
        try:
            yield
        finally:
            cache.delete(f"{DUE_KEY}:lock")

    # --- entries -------------------------------------------------------------------------------

    def read(self, keys, copies=None, counting=None, count_when=""):
        """``(clock, {key: Entry}, counted)`` for the entries found under ``keys``.

        ``copies``: ``{key: head}`` of the caller's own copies (their bytes are not sent again).
        Views are counted by the caller here (``counted`` is always False).
        """
        found = cache.get_many([CLOCK_KEY, DUE_KEY, *(ENTRY_PREFIX + key for key in keys)])
        clock = found.pop(CLOCK_KEY, None)
        made_stale = self._make_due_stale(found.pop(DUE_KEY, None) or [])
        if made_stale:
            clock = cache.get(CLOCK_KEY)
            front.purge_after_commit(made_stale)
        entries = {
            key: decode_entry(found[ENTRY_PREFIX + key], CURRENT)
            for key in keys
            if ENTRY_PREFIX + key in found
        }
        wanted = {name for entry in entries.values() for name in entry.tags}
        if wanted:
            current = cache.get_many([TAG_PREFIX + name for name in wanted])
            for entry in entries.values():
                if any(
                    str(current.get(TAG_PREFIX + name)) != version for name, version in entry.tags.items()
                ):
                    entry.state = STALE
        for key, head in (copies or {}).items():
            entry = entries.get(key)
            if entry is not None and entry.head == head:
                entry.payload = None
        return clock, entries, False

    def write(self, key, tags, payload, timeout, since):
        """Store ``payload`` under ``key`` with the current versions of ``tags``, unless the clock
        moved on since ``since`` (something changed while it was being made). Returns the head
        of the stored entry, or None."""
        if since is None:  # no clock was read (a fresh cache would have one: Redis is away)
            return None
        versions = self.versions(tags)  # the tags first, then the clock
        if self.clock() != since:
            return None
        head = secrets.token_hex(6)
        self._store_entry(ENTRY_PREFIX + key, head, versions, payload, max(1, int(timeout)))
        return head

    def _store_entry(self, key, head, versions, payload, timeout):
        cache.set(key, encode_entry(head, versions, payload), timeout=timeout)

    def delete(self, key):
        cache.delete(ENTRY_PREFIX + key)

    def claim(self, key, seconds):
        return cache.add(f"{ENTRY_PREFIX}{key}:rebuild", 1, timeout=seconds)

    def release(self, key):
        cache.delete(f"{ENTRY_PREFIX}{key}:rebuild")

    def count_view(self, seen_key, counter_key):
        """Count a view unless this reader's "seen" mark exists (then set it)."""
        if cache.add(seen_key, 1, timeout=settings.VIEW_REPEAT_SECONDS):
            self.add_to_counter(counter_key)

    def add_to_counter(self, key, amount=1):
        """Add ``amount`` to a counter, atomically, creating it if missing: add() creates it,
        incr() is atomic once it exists."""
        if cache.add(key, amount, timeout=None):
            return
        try:
            cache.incr(key, amount)
        except ValueError:  # removed between the two calls
            if not cache.add(key, amount, timeout=None):
                cache.incr(key, amount)


class RedisStore(CacheStore):
    """The store over the Redis behind Django's cache: entries as raw bytes, read in one trip."""

    counts_views = True

    def __init__(self):
        self._scripts = {}
        self._pinned = threading.local()
        self._missed = set()  # tags whose bump did not reach Redis: bumped once it answers
        self._missed_lock = threading.Lock()

    def client(self):
        return cache._cache.get_client(None, write=True)

    def script(self, name):
        """A Lua script of ``lua/`` (with the counting rule before it), loaded once per client."""
        client = self.client()
        script = self._scripts.get((id(client), name))
        if script is None:
            source = (LUA / "count_view.lua").read_text() + (LUA / f"{name}.lua").read_text()
            script = self._scripts[(id(client), name)] = client.register_script(source)
        return script

    def _connection(self):
        """This thread's own connection to Redis, for the scripts of every page: taken from the
        pool once, not per call (the pool's bookkeeping cost as much as the script's run).
        A worker forked after the connection was made gets one of its own."""
        pinned = self._pinned
        if getattr(pinned, "pid", None) != os.getpid():
            pinned.connection = self.client().connection_pool.get_connection()
            pinned.pid = os.getpid()
        return pinned.connection

    def run(self, name, keys, args):
        """Run the script ``name`` (lua/) on this thread's connection; load it if Redis lost
        it (a restart), reconnect if the connection dropped. A timeout is not retried: Redis is
        frozen or overloaded, and another try would wait as long again."""
        script = self.script(name)
        for attempt in range(3):
            connection = self._connection()
            try:
                connection.send_command("EVALSHA", script.sha, len(keys), *keys, *args)
                return connection.read_response()
            except NoScriptError:
                self.client().script_load(script.script)
            except BreakerOpen:
                raise
            except RedisTimeoutError:
                connection.disconnect()
                raise
            except RedisConnectionError:
                connection.disconnect()
                if attempt == 2:
                    raise
        raise RuntimeError(f"Redis would not run {name}.lua")

    def read(self, keys, copies=None, counting=None, count_when=""):
        try:
            if self._missed:
                self._bump_missed()
            return self._read(keys, copies, counting, count_when)
        except REDIS_UNAVAILABLE:
            return None, {}, False  # nothing found: the page is made from the database

    def _read(self, keys, copies, counting, count_when):
        copies = copies or {}
        # make_key(), not make_and_validate_key(): these keys are ours, and the validation (for
        # memcached's limits) would only cost time on every page.
        full = [cache.make_key(CLOCK_KEY), *(cache.make_key(ENTRY_PREFIX + key) for key in keys)]
        if counting is not None and count_when:
            full += [cache.make_key(name) for name in counting]
        args = [
            len(keys),
            cache.make_key(TAG_PREFIX),
            count_when if counting is not None else "",
            max(1, settings.VIEW_REPEAT_SECONDS),
            *(copies.get(key, "") for key in keys),
            cache.make_key(DUE_KEY),
        ]
        result = self.run("read", full, args)
        clock, counted, made_stale = result[0], result[-2], result[-1]
        if made_stale:
            front.purge_after_commit(tuple(made_stale.decode().split()))
        entries = {}
        for index, key in enumerate(keys):
            state, line, payload = result[1 + 3 * index : 4 + 3 * index]
            if state == MISSING:
                continue
            head, tags = decode_head(line.decode())
            # payload None: the caller's copy is the stored one.
            entries[key] = Entry(state, head, tags, payload)
        return (int(clock) if clock is not None else None), entries, counted == 1 or counted == 2

    def bump(self, tags):
        """New versions for ``tags``, the clock first (see the module's docstring), in one round
        trip; if Redis cannot be reached, they are bumped once it answers (``read()``), and the
        error is raised for the caller to log."""
        names = [check_tag(name) for name in tags]
        try:
            # Plain integers, as Django's RedisCache stores them (cache.get() reads them back);
            # no expiry, as timeout=None.
            with self.client().pipeline(transaction=True) as pipe:
                pipe.incr(cache.make_key(CLOCK_KEY))
                pipe.mset({cache.make_key(TAG_PREFIX + name): new_version() for name in names})
                pipe.execute()
        except REDIS_UNAVAILABLE:
            with self._missed_lock:
                self._missed.update(names)
            raise

    def _bump_missed(self):
        with self._missed_lock:
            names, self._missed = self._missed, set()
        if names:
            self.bump(names)  # on failure they go back to the missed ones
            logger.warning("Made stale what changed while Redis was away: %s", ", ".join(sorted(names)))

    def write(self, key, tags, payload, timeout, since):
        try:
            return super().write(key, tags, payload, timeout, since)
        except REDIS_UNAVAILABLE:
            return None

    def make_stale_at(self, when, tags):
        # A member names its time, so that the same tags due at two times are two members.
        member = " ".join((repr(float(when)), *(check_tag(name) for name in tags)))
        self.client().zadd(cache.make_key(DUE_KEY), {member: float(when)})

    def seconds_until_due(self):
        try:
            first = self.client().zrange(cache.make_key(DUE_KEY), 0, 0, withscores=True)
        except REDIS_UNAVAILABLE:
            return None
        return max(0.0, first[0][1] - time.time()) if first else None

    def _store_entry(self, key, head, versions, payload, timeout):
        # The payload first, under a key of its own head, then the small head line that points
        # at it (lua/read.lua); one MULTI, so no reader sees the one without the other.
        name = cache.make_and_validate_key(key)
        with self.client().pipeline(transaction=True) as pipe:
            pipe.set(f"{name}@{head}", payload, ex=timeout)
            pipe.set(name, head_line(head, versions).encode(), ex=timeout)
            pipe.execute()

    def count_view(self, seen_key, counter_key):
        keys = [cache.make_and_validate_key(seen_key), cache.make_and_validate_key(counter_key)]
        try:
            self.run("count", keys, [max(1, settings.VIEW_REPEAT_SECONDS)])
        except REDIS_UNAVAILABLE as error:
            _log_paused("Article views are not counted while Redis is unavailable", error)

    def add_to_counter(self, key, amount=1):
        # One round trip: Redis INCR creates the counter when it is missing. Django's RedisCache
        # stores integers as plain numbers, so cache.get_many() reads it back.
        self.client().incr(cache.make_and_validate_key(key), amount)


def redis_client():
    """The raw Redis client behind Django's cache, or None for other backends."""
    store = get_store()
    return store.client() if isinstance(store, RedisStore) else None


@functools.cache
def get_store():
    """The store for this process's default cache: chosen once."""
    get_client = getattr(getattr(cache, "_cache", None), "get_client", None)
    return RedisStore() if callable(get_client) else CacheStore()


_PAUSE_LOG_SECONDS = 60
_paused_logged = {}


def _log_paused(what, error):
    """Log ``what`` (work skipped while Redis is away) at most once a minute."""
    now = time.monotonic()
    if now - _paused_logged.get(what, float("-inf")) >= _PAUSE_LOG_SECONDS:
        _paused_logged[what] = now
        logger.warning("%s (%s).", what, type(error).__name__)
