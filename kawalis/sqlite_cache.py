"""A Django cache in one SQLite file: shared by every process of one machine, with no server.

The embedded default (no ``REDIS_URL``) used to keep its cache in each process's memory, so
whatever one process changed (an approved comment, a view counter, a rate limit, a command or
the task worker moving the readers' cache on) stayed invisible to the others until it expired.
Here every process opens the same file: a write by one is read by the next statement of any
other. ``add()`` and ``incr()`` are single statements, so they stay atomic across processes,
which Django's file-based cache does not promise (it checks, then writes); Django's database
cache would put every cache read into the site's own database and its query counts.

The file is a cache: it is opened in WAL mode with ``synchronous=OFF`` (a crash may lose the
last writes, never the site's data), and entries past ``MAX_ENTRIES`` are culled, expired ones
first, then the oldest written of those that expire anyway (counters and versions, stored with
no timeout, are kept).
"""

import os
import pickle
import sqlite3
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS cache ("
    " key TEXT PRIMARY KEY, value BLOB NOT NULL, expires REAL, written INTEGER NOT NULL)"
)
_INDEX = "CREATE INDEX IF NOT EXISTS cache_written ON cache (written)"


def _dump(value):
    # Whole numbers stay numbers, so that incr() is one UPDATE; everything else is pickled.
    if type(value) is int:
        return value
    return pickle.dumps(value, pickle.HIGHEST_PROTOCOL)


def _load(raw):
    if isinstance(raw, int):
        return raw
    return pickle.loads(raw)  # noqa: S301 (our own cache file, written by _dump)


class SQLiteCache(BaseCache):
    """``LOCATION``: the file's path. ``OPTIONS``: ``MAX_ENTRIES`` (default 100,000)."""

    def __init__(self, location, params):
        super().__init__(params)
        self.path = str(location)
        options = params.get("OPTIONS", {})
        self._max_entries = int(options.get("MAX_ENTRIES", 100_000))
        self._local = threading.local()
        self._writes = 0

    # --- connection ------------------------------------------------------------------------------

    def _db(self):
        """This thread's connection (a forked process opens its own)."""
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            directory = os.path.dirname(self.path)
            if directory:
                os.makedirs(directory, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=OFF")
            db.execute(_SCHEMA)
            db.execute(_INDEX)
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def _expiry(self, timeout):
        # Django's base class gives the moment of expiry (time.time() + timeout), or None.
        return self.get_backend_timeout(timeout)

    def _key(self, key, version):
        return self.make_and_validate_key(key, version=version)

    # --- reading ---------------------------------------------------------------------------------

    def _live_value(self, key, version):
        """The row ``(value,)`` of ``key`` if it is there and not expired, else None."""
        return (
            self._db()
            .execute(
                "SELECT value FROM cache WHERE key = ? AND (expires IS NULL OR expires > ?)",
                (self._key(key, version), time.time()),
            )
            .fetchone()
        )

    def get(self, key, default=None, version=None):
        row = self._live_value(key, version)
        return default if row is None else _load(row[0])

    def get_many(self, keys, version=None):
        full = {self._key(key, version): key for key in keys}
        if not full:
            return {}
        found = {}
        names = list(full)
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            marks = ",".join("?" * len(chunk))
            live = "(expires IS NULL OR expires > ?)"
            query = f"SELECT key, value FROM cache WHERE key IN ({marks}) AND {live}"  # noqa: S608 (? marks)
            rows = self._db().execute(query, (*chunk, time.time()))
            found.update((full[name], _load(value)) for name, value in rows)
        return {key: found[key] for key in keys if key in found}

    def has_key(self, key, version=None):
        return self._live_value(key, version) is not None

    # --- writing ---------------------------------------------------------------------------------

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self.set_many({key: value}, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        expires = self._expiry(timeout)
        if expires is not None and expires <= time.time():  # a timeout of 0: delete
            self.delete_many(list(data), version)
            return []
        rows = [
            (self._key(key, version), _dump(value), expires, time.time_ns()) for key, value in data.items()
        ]
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(
                "INSERT OR REPLACE INTO cache (key, value, expires, written) VALUES (?, ?, ?, ?)", rows
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._wrote(len(rows))
        return []

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        expires = self._expiry(timeout)
        now = time.time()
        cursor = self._db().execute(
            "INSERT INTO cache (key, value, expires, written) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires = excluded.expires, "
            "written = excluded.written WHERE cache.expires IS NOT NULL AND cache.expires <= ?",
            (self._key(key, version), _dump(value), expires, time.time_ns(), now),
        )
        added = cursor.rowcount == 1
        if added:
            self._wrote(1)
        return added

    def incr(self, key, delta=1, version=None):
        row = (
            self._db()
            .execute(
                "UPDATE cache SET value = value + ? WHERE key = ? AND typeof(value) = 'integer' "
                "AND (expires IS NULL OR expires > ?) "
                "RETURNING value",
                (delta, self._key(key, version), time.time()),
            )
            .fetchone()
        )
        if row is None:
            if self.has_key(key, version):
                raise TypeError(f"The value of {key!r} is not a whole number.")
            raise ValueError(f"Key {key!r} not found.")
        return row[0]

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        cursor = self._db().execute(
            "UPDATE cache SET expires = ? WHERE key = ? AND (expires IS NULL OR expires > ?)",
            (self._expiry(timeout), self._key(key, version), time.time()),
        )
        return cursor.rowcount == 1

    def delete(self, key, version=None):
        cursor = self._db().execute("DELETE FROM cache WHERE key = ?", (self._key(key, version),))
        return cursor.rowcount == 1

    def delete_many(self, keys, version=None):
        names = [self._key(key, version) for key in keys]
        for start in range(0, len(names), 500):
            chunk = names[start : start + 500]
            marks = ",".join("?" * len(chunk))
            self._db().execute(f"DELETE FROM cache WHERE key IN ({marks})", chunk)  # noqa: S608 (only ? marks)

    def clear(self):
        self._db().execute("DELETE FROM cache")

    def close(self, **kwargs):
        # Connections stay open for the life of the thread: opening one costs more than a read.
        pass

    # --- culling ---------------------------------------------------------------------------------

    def _wrote(self, count):
        self._writes += count
        if self._writes < 500:
            return
        self._writes = 0
        db = self._db()
        db.execute("DELETE FROM cache WHERE expires IS NOT NULL AND expires <= ?", (time.time(),))
        (entries,) = db.execute("SELECT count(*) FROM cache").fetchone()
        if entries > self._max_entries:
            excess = entries - self._max_entries + self._max_entries // 10
            db.execute(
                "DELETE FROM cache WHERE key IN "
                "(SELECT key FROM cache WHERE expires IS NOT NULL ORDER BY written LIMIT ?)",
                (excess,),
            )
