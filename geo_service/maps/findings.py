"""The rule engine's findings, as the maps use them (consumed through geo_service.analysis.service).

A full rule run over England takes seconds, and the maps need both the network and the practice
findings of a view. :func:`findings_for` therefore runs the engine once per (database, data
version, scenario, boundary set, area) and keeps the answer in a small per-process cache: the
data only changes on import (the data version moves), so a cached answer is never stale.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections import OrderedDict

from geo_service.db.repositories import meta

log = logging.getLogger(__name__)

CACHE_SIZE = 64
_cache: OrderedDict[tuple, object] = OrderedDict()
_lock = threading.Lock()


def _service():
    return importlib.import_module("geo_service.analysis.service")


def labels() -> dict[str, str]:
    return dict(_service().FINDING_LABELS)


def _compute(conn, scenario: str, boundary_set: str, area: str | None) -> tuple[dict, dict]:
    service = _service()
    # One engine run for both answers when the service exposes its derivations; else the contract's
    # two public calls (each a full run).
    net_from = getattr(service, "_network_findings_from", None)
    prac_from = getattr(service, "_practice_findings_from", None)
    if net_from and prac_from:
        result = service.run_checks(conn, scenario, boundary_set, area=area)
        return net_from(result), prac_from(result)
    return (
        service.network_findings(conn, scenario, boundary_set, area=area),
        service.practice_findings(conn, scenario, boundary_set, area=area),
    )


def _cached(conn, key: tuple, compute):
    version, _ = meta.data_version(conn)
    key = (conn.dsn, version, *key)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    value = compute()
    with _lock:
        _cache[key] = value
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def findings_for(conn, scenario: str, boundary_set: str, area: str | None = None) -> tuple[dict, dict]:
    """(network code → finding keys, practice ODS code → finding keys), cached per data version."""
    return _cached(
        conn, ("findings", scenario, boundary_set, area), lambda: _compute(conn, scenario, boundary_set, area)
    )


def network_findings(conn, scenario: str, boundary_set: str, area: str | None = None) -> dict[str, list[str]]:
    return findings_for(conn, scenario, boundary_set, area)[0]


def practice_findings(conn, scenario: str, boundary_set: str, area: str | None = None) -> dict[str, list[str]]:
    return findings_for(conn, scenario, boundary_set, area)[1]


def run_checks(conn, scenario: str, boundary_set: str, area: str | None = None) -> dict:
    return _service().run_checks(conn, scenario, boundary_set, area=area)


def network_detail(conn, scenario: str, code: str, boundary_set: str | None = None) -> dict:
    return _cached(
        conn,
        ("network_detail", scenario, code, boundary_set),
        lambda: _service().network_detail(conn, scenario, code, boundary_set),
    )


def check_explanations() -> dict[str, str]:
    return dict(getattr(_service(), "CHECK_EXPLANATIONS", {}))


def label(key: str, known: dict[str, str]) -> str:
    return known.get(key) or key.replace("_", " ").capitalize()
