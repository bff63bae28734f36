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

import functools
import sys
import threading
import types
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from geo_service import metrics
from geo_service.db.repositories import meta

V = TypeVar("V")

# Issue 21 finding 15: one anonymous client filled each worker's caches (bounded by entry count) to ~1.4 GB. Each
# cache is now bounded in (estimated) bytes too: ``GEO_CACHE_MAX_MB`` each, set by the app factory (configure).
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
_limits = {"max_bytes": DEFAULT_MAX_BYTES}


def configure(max_bytes: int) -> None:
    """The byte bound of every cache made without its own (``GEO_CACHE_MAX_MB``; the app factory calls this)."""
    _limits["max_bytes"] = max(0, int(max_bytes))


_SHARED = (type, types.ModuleType, types.FunctionType, types.MethodType, types.BuiltinFunctionType, functools.partial)
_ATOMS = (str, bytes, bytearray, memoryview, int, float, bool, type(None), *_SHARED)


def estimate_bytes(value: object, _seen: set[int] | None = None) -> int:
    """Roughly how much memory ``value`` holds: containers, dataclasses and objects summed over their contents
    (each object once), numpy arrays and pandas frames by their buffers, shapely geometries by coordinates.
    An estimate for bounding caches, not an exact measure."""
    seen = _seen if _seen is not None else set()
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, _ATOMS):
        return sys.getsizeof(value)  # shared things (code, classes, modules) are not the entry's to count
    if hasattr(value, "memory_usage") and hasattr(value, "columns"):  # pandas DataFrame (geopandas too)
        try:
            return int(value.memory_usage(deep=True).sum()) + _geometry_bytes(value)
        except (TypeError, ValueError):
            pass
    nbytes = getattr(value, "nbytes", None)  # numpy arrays, pandas Series
    if isinstance(nbytes, int):
        return nbytes + sys.getsizeof(value)
    if hasattr(value, "geom_type") and hasattr(value, "wkb"):  # a shapely geometry
        import shapely

        return 64 + 16 * int(shapely.get_num_coordinates(value))
    size = sys.getsizeof(value)
    if isinstance(value, dict):
        return size + sum(estimate_bytes(k, seen) + estimate_bytes(v, seen) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return size + sum(estimate_bytes(v, seen) for v in value)
    if hasattr(value, "__dict__"):
        size += estimate_bytes(vars(value), seen)
    for name in getattr(type(value), "__slots__", ()):
        size += estimate_bytes(getattr(value, name, None), seen)
    return size


def _geometry_bytes(frame) -> int:  # noqa: ANN001 - a (Geo)DataFrame
    """Coordinates held by a GeoDataFrame's geometry columns (pandas counts only their pointers)."""
    total = 0
    for column in frame.columns:
        series = frame[column]
        if str(getattr(series, "dtype", "")) == "geometry":
            import shapely

            total += 16 * int(shapely.get_num_coordinates(series.values).sum()) + 64 * len(series)
    return total


class LRUCache(Generic[V]):
    """A small thread-safe least-recently-used map, bounded by entries (``size``) and by estimated bytes
    (``max_bytes``, else ``GEO_CACHE_MAX_MB``): the least recently used entries go first; a value larger than the
    whole bound is returned but not kept. Values are built (and measured) outside the lock."""

    def __init__(self, size: int, name: str | None = None, max_bytes: int | None = None) -> None:
        self.size = size
        self._max_bytes = max_bytes
        # The metrics label (issue 26): the module that made the cache unless named.
        self.name = name or sys._getframe(1).f_globals.get("__name__", "cache").rsplit(".", 1)[-1]
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def max_bytes(self) -> int:
        return self._max_bytes if self._max_bytes is not None else _limits["max_bytes"]

    @property
    def bytes(self) -> int:
        """The estimated size of what is kept now."""
        with self._lock:
            return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
        metrics.cache_lookup(self.name, found is not None)
        return found[0] if found is not None else None

    def put(self, key: Hashable, value: V) -> V:
        cost = estimate_bytes(key) + estimate_bytes(value)
        limit = self.max_bytes
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            if cost > limit:
                return value  # larger than the whole cache: served, not kept
            self._items[key] = (value, cost)
            self._bytes += cost
            while len(self._items) > self.size or self._bytes > limit:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped
        return value

    def get_or_build(self, key: Hashable, build: Callable[[], V]) -> V:
        value = self.get(key)
        return value if value is not None else self.put(key, build())

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


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
