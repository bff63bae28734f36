"""Per-process caches for results derived from the data.

Data only changes through writes that bump the data version (see migration 0001), so anything
computed from it can be kept under a key that holds the database and the data version (and the scope: each
result is judged as of its scenario's date, so the wall clock plays no part): such an entry is never stale,
only evicted.

Results of one scenario are keyed on that scenario's own version (:func:`scenario_state`, migration 0055): an
edit of a private plan moves the plan's version only, so the public scenarios' caches and ETags stay; an
import (data every scenario reads) moves them all. :func:`data_state` (the whole database) is for results that
read several scenarios (home, catalogues, search).
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from geo_service import metrics
from geo_service.db.repositories import meta

V = TypeVar("V")


class LRUCache(Generic[V]):
    """A small thread-safe least-recently-used map. Values are built outside the lock."""

    def __init__(self, size: int, name: str | None = None) -> None:
        self.size = size
        # The metrics label (issue 26): the module that made the cache unless named.
        self.name = name or sys._getframe(1).f_globals.get("__name__", "cache").rsplit(".", 1)[-1]
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
        metrics.cache_lookup(self.name, value is not None)
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


def scenario_state(conn, scenario: int | str) -> tuple[str, str, str, int]:
    """(database, "scenario", scenario, its own version): the cache-key part of a result of one scenario (its id
    or slug), unchanged by edits of any other scenario."""
    key = str(scenario).lower()
    return conn.dsn, "scenario", key, meta.scenario_version(conn, scenario)


def scope_state(conn, scope) -> tuple[str, str, str, int]:
    """:func:`scenario_state` of a resolved scope's scenario."""
    return scenario_state(conn, int(scope.scenario["id"]))


def listing_state(conn) -> str:
    """A digest of the scenarios' listing (names, slugs, dates, visibility; not their edits): for pages that list
    other scenarios (switchers) beside one scenario's content."""
    return meta.scenarios_digest(conn)


def data_state(conn) -> tuple[str, int]:
    """(database, data version): the part of a cache key that makes derived results safe to keep. Today's date
    is not part of it: every result is judged as of its scenario's own date, not the wall clock."""
    version, _ = meta.data_version(conn)
    return conn.dsn, version
