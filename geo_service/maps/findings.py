"""The rule engine's findings, as the maps use them (consumed only through geo_service.analysis.service).

Kept small on purpose: the maps colour and filter by finding keys, and show the engine's own
plain-English labels.
"""

from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)


def _service():
    return importlib.import_module("geo_service.analysis.service")


def labels() -> dict[str, str]:
    return dict(_service().FINDING_LABELS)


def network_findings(conn, scenario: str, boundary_set: str, area: str | None = None) -> dict[str, list[str]]:
    return _service().network_findings(conn, scenario, boundary_set, area=area)


def practice_findings(conn, scenario: str, boundary_set: str, area: str | None = None) -> dict[str, list[str]]:
    return _service().practice_findings(conn, scenario, boundary_set, area=area)


def run_checks(conn, scenario: str, boundary_set: str, area: str | None = None) -> dict:
    return _service().run_checks(conn, scenario, boundary_set, area=area)


def network_detail(conn, scenario: str, code: str, boundary_set: str | None = None) -> dict:
    return _service().network_detail(conn, scenario, code, boundary_set)


def check_explanations() -> dict[str, str]:
    return dict(getattr(_service(), "CHECK_EXPLANATIONS", {}))


def label(key: str, known: dict[str, str]) -> str:
    return known.get(key) or key.replace("_", " ").capitalize()
