"""What one worker process keeps in its own memory: copies of the pages it served lately."""

import threading
from collections import OrderedDict


class WorkerCopies:
    """Values this worker keeps in its own memory, by key, within ``limit`` bytes (the oldest out
    first): the pages it served (``pages.worker_copies``), used only after the cache said that
    the stored page is this very copy."""

    def __init__(self, limit):
        self.limit = limit
        self._entries = OrderedDict()  # key -> (value, size)
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def __contains__(self, key):
        return key in self._entries

    def put(self, key, value, size):
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is value:  # the copy just confirmed current
                self._entries.move_to_end(key)
                return
            self._drop(key)
            if size > self.limit:
                return
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.limit:
                self._drop(next(iter(self._entries)))

    def forget(self, key):
        with self._lock:
            self._drop(key)

    def clear(self):
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def _drop(self, key):
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[1]
