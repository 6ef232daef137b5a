"""The embedded default's cache file: Django's cache API, atomic across processes."""

import subprocess
import sys
import time

import pytest

from kawalis.sqlite_cache import SQLiteCache


@pytest.fixture
def fresh(tmp_path):
    return SQLiteCache(tmp_path / "cache.sqlite3", {})


def test_values_expire_when_their_timeout_says(fresh):
    fresh.set("short", {"a": 1}, timeout=1)
    fresh.set("long", [1, 2], timeout=60)
    assert fresh.get("short") == {"a": 1}
    time.sleep(1.1)
    assert fresh.get("short") is None and fresh.get("long") == [1, 2]
    assert fresh.add("short", "again", timeout=60)  # an expired key can be added again


def test_add_incr_and_delete_behave_as_djangos_caches(fresh):
    assert fresh.add("n", 1) and not fresh.add("n", 5)
    assert fresh.incr("n", 4) == 5 and fresh.get("n") == 5
    with pytest.raises(ValueError):
        fresh.incr("missing")
    fresh.set_many({"a": "x", "b": "y"})
    assert fresh.get_many(["a", "b", "c"]) == {"a": "x", "b": "y"}
    assert fresh.delete("a") and not fresh.delete("a")
    fresh.set("gone", 1, timeout=0)
    assert fresh.get("gone") is None


ADD_MANY = """
import sys
from kawalis.sqlite_cache import SQLiteCache
cache = SQLiteCache(sys.argv[1], {})
won = sum(cache.add(f"claim:{n}", sys.argv[2]) for n in range(200))
for _ in range(200):
    cache.incr("counter")
print(won)
"""


def test_two_processes_share_one_file_atomically(fresh):
    fresh.set("counter", 0, timeout=None)
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", ADD_MANY, fresh.path, name], stdout=subprocess.PIPE, text=True
        )
        for name in ("one", "two")
    ]
    won = [int(run.communicate(timeout=60)[0]) for run in runs]
    assert sum(won) == 200  # each claim went to exactly one process
    assert fresh.get("counter") == 400  # no increment lost
