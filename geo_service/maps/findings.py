"""The rule engine's findings as the maps use them: labels, per-view findings, network detail.

Everything comes from :mod:`geo_service.analysis.service`; ``findings_for`` is its one cached run for both
network and practice findings in a scope, and network details are kept the same way (per data state and
scope), so a map never waits for the engine twice for one view.
"""

from __future__ import annotations

from geo_service.analysis import rules, service
from geo_service.analysis.findings import CHECK_EXPLANATIONS, FINDING_LABELS
from geo_service.caching import LRUCache, scope_state
from geo_service.scope import Scope

_DETAILS: LRUCache[dict] = LRUCache(64)


def labels() -> dict[str, str]:
    return dict(FINDING_LABELS)


def findings_for(conn, scope: Scope) -> tuple[dict, dict]:
    """(network code → finding keys, practice ODS code → finding keys) in the scope."""
    return service.findings_in(conn, scope)


def headline_findings_for(conn, scope: Scope) -> tuple[dict, dict]:
    """The headline tier of :func:`findings_for` (what overview colours, outlines and counts show; geometry and
    data gaps are detail, one click away): codes with no headline finding are left out."""
    keys = rules.finding_keys(rules.HEADLINE)
    nf, pf = findings_for(conn, scope)

    def keep(found: dict) -> dict:
        out = {code: [k for k in ks if k in keys] for code, ks in found.items()}
        return {code: ks for code, ks in out.items() if ks}

    return keep(nf), keep(pf)


def network_detail(conn, scope: Scope, code: str) -> dict:
    """One network's detail (members, findings, evidence) in the scope's scenario and boundary set."""
    key = (*scope_state(conn, scope), scope.key(), code)
    return _DETAILS.get_or_build(
        key, lambda: service.network_detail(conn, scope.scenario["slug"], code, scope.boundary_set["slug"])
    )


def check_explanations() -> dict[str, str]:
    return dict(CHECK_EXPLANATIONS)


def label(key: str, known: dict[str, str]) -> str:
    return known.get(key) or key.replace("_", " ").capitalize()
