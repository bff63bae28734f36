"""The rule engine's findings as the maps use them: labels, per-view findings, network detail.

Everything comes from :mod:`geo_service.analysis.service`; ``findings_for`` is its one cached
run for both network and practice findings, and network details are kept the same way (per data
state: database, data version, date), so a map never waits for the engine twice for one view.
"""

from __future__ import annotations

from geo_service.analysis import service
from geo_service.analysis.findings import CHECK_EXPLANATIONS, FINDING_LABELS
from geo_service.caching import LRUCache, data_state

_DETAILS: LRUCache[dict] = LRUCache(64)


def labels() -> dict[str, str]:
    return dict(FINDING_LABELS)


def findings_for(conn, scenario: str, boundary_set: str, area: str | None = None) -> tuple[dict, dict]:
    """(network code → finding keys, practice ODS code → finding keys)."""
    return service.findings(conn, scenario, boundary_set, area)


def network_detail(conn, scenario: str, code: str, boundary_set: str | None = None) -> dict:
    key = (*data_state(conn), scenario, code, boundary_set)
    return _DETAILS.get_or_build(key, lambda: service.network_detail(conn, scenario, code, boundary_set))


def check_explanations() -> dict[str, str]:
    return dict(CHECK_EXPLANATIONS)


def label(key: str, known: dict[str, str]) -> str:
    return known.get(key) or key.replace("_", " ").capitalize()
