"""Process metrics in the Prometheus data model (issue 26), free of Flask so services and the CLI can count.

prometheus_client keeps a metric's values per process (or, under gunicorn with ``PROMETHEUS_MULTIPROC_DIR``, in
one memory-mapped file per worker that the scraped worker adds up), so the metrics are module-level objects by
design, registered in no registry here: :mod:`geo_service.web.routes.metrics` adds them to each app's own registry
(single process) or reads them back from the shared folder (multiprocess).

Gauges are ``livesum`` in multiprocess mode: the sum over the live workers (pool connections in use, prints
drawing), a dead worker's files left out.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Gauge, Histogram

CACHE_REQUESTS = Counter(
    "geo_cache_requests",
    "Look-ups in the per-process result caches, by cache and result (hit or miss).",
    ["cache", "result"],
    registry=None,
)
POOL_CONNECTIONS = Gauge(
    "geo_db_pool_connections",
    "Database pool connections of this app by state: in_use (lent to a request), idle, waiting (requests "
    "waiting for a connection), max (the pool's bound).",
    ["state"],
    registry=None,
    multiprocess_mode="livesum",
)
PRINT_QUEUE = Gauge(
    "geo_print_queue",
    "Prints of this app by state: running (drawing) and waiting (queued for a slot).",
    ["state"],
    registry=None,
    multiprocess_mode="livesum",
)
JOBS = Gauge(
    "geo_jobs",
    "Background jobs (suggested networks) in the database by state: queued, running, done, failed.",
    ["kind", "state"],
    registry=None,
    multiprocess_mode="mostrecent",
)
IMPORT_SECONDS = Histogram(
    "geo_import_duration_seconds",
    "How long an import command took, by kind and outcome (ok or failed).",
    ["kind", "outcome"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1200, 2400, float("inf")),
    registry=None,
)
DB_READS = Counter(
    "geo_db_reads",
    "Requests by the database that answered their reads (issue 26, with GEO_READ_DATABASE_URL): source primary or "
    "replica, behind yes when the replica had not replayed all the primary's changes.",
    ["source", "behind"],
    registry=None,
)

ALL = (CACHE_REQUESTS, POOL_CONNECTIONS, PRINT_QUEUE, JOBS, IMPORT_SECONDS, DB_READS)


def cache_lookup(cache: str, hit: bool) -> None:
    CACHE_REQUESTS.labels(cache, "hit" if hit else "miss").inc()


def pool_state(stats: dict[str, int]) -> None:
    for state in ("in_use", "idle", "waiting", "max"):
        POOL_CONNECTIONS.labels(state).set(stats.get(state, 0))


def print_queue_state(state: dict[str, int]) -> None:
    PRINT_QUEUE.labels("running").set(state.get("running", 0))
    PRINT_QUEUE.labels("waiting").set(state.get("waiting", 0))


def job_counts(kind: str, counts: dict[str, int]) -> None:
    for state in ("queued", "running", "done", "failed"):
        JOBS.labels(kind, state).set(counts.get(state, 0))


@contextmanager
def timed_import(kind: str) -> Iterator[None]:
    """Observe the duration of one import (``geo_import_duration_seconds``), failed or not."""
    start = time.perf_counter()
    outcome = "failed"
    try:
        yield
        outcome = "ok"
    finally:
        IMPORT_SECONDS.labels(kind, outcome).observe(time.perf_counter() - start)
