"""Per-process caches for results derived from the data.

Data only changes through writes that bump the data version (see migration 0001), so anything
computed from it can be kept under a key that holds the database and the data version (and the scope: each
result is judged as of its scenario's date, so the wall clock plays no part): such an entry is never stale,
only evicted.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from geo_service.db.repositories import meta

V = TypeVar("V")


class LRUCache(Generic[V]):
    """A small thread-safe least-recently-used map. Values are built outside the lock."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> V:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        value = self.get(key)
        return value if value is not None else self.put(key, build())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def data_state(conn) -> tuple[str, int]:
    """(database, data version): the part of a cache key that makes derived results safe to keep. Today's date
    is not part of it: every result is judged as of its scenario's own date, not the wall clock."""
    version, _ = meta.data_version(conn)
    return conn.dsn, version
