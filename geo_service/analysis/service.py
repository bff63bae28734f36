"""The rule engine's service API, shared by the JSON API, the CLI, maps and exports (no Flask here).

All functions take an open psycopg2 connection first. ``run_checks`` runs every check for one
scenario against one boundary set (optionally one area); ``network_findings`` and
``practice_findings`` flatten the result into finding keys per network / practice code, with
labels in :data:`FINDING_LABELS`.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from geo_service.analysis import (
    compare,
    cross_boundary,
    data_gaps,
    dominance,
    extended_hours,
    geometry,
    membership,
    parameters,
    size_band,
)
from geo_service.analysis.evidence import plain
from geo_service.analysis.findings import CHECK_EXPLANATIONS, CHECKS, FINDING_LABELS, SUMMARY_KEYS
from geo_service.caching import LRUCache, data_state
from geo_service.db.repositories import analysis_checks, analysis_compare, analysis_context, meta
from geo_service.errors import InvalidParameter, NotFound

__all__ = [
    "FINDING_LABELS",
    "CHECKS",
    "CHECK_EXPLANATIONS",
    "SUMMARY_KEYS",
    "run_checks",
    "network_findings",
    "practice_findings",
    "finding_sets",
    "resolve_context",
    "network_detail",
    "compare_scenarios",
    "data_version",
]

log = logging.getLogger(__name__)


def resolve_context(
    conn, scenario: str, boundary_set: str | None, area: str | None = None, params: dict | None = None
) -> dict[str, Any]:
    """Scenario, boundary set, area and validated parameters, or NotFound / InvalidParameter."""
    if not scenario:
        raise InvalidParameter("scenario", "A scenario slug is required.")
    scen = analysis_context.scenario(conn, scenario)
    if scen is None:
        raise NotFound(f"No scenario with slug '{scenario}'.", parameter="scenario")
    if not boundary_set:
        slugs = analysis_context.boundary_set_slugs(conn)
        if len(slugs) != 1:
            raise InvalidParameter(
                "boundary_set",
                "Choose a boundary set with 'boundary_set'"
                + (f": {len(slugs)} are loaded." if slugs else ": none is loaded."),
                allowed=slugs,
            )
        boundary_set = slugs[0]
    bs = analysis_context.boundary_set(conn, boundary_set)
    if bs is None:
        raise NotFound(f"No boundary set with slug '{boundary_set}'.", parameter="boundary_set")
    area_row = None
    if area:
        area_row = analysis_context.area(conn, bs["id"], area.strip())
        if area_row is None:
            raise NotFound(f"No area with ODS or GSS code '{area}' in boundary set '{bs['slug']}'.", parameter="area")
    checked, origin = parameters.resolve(params, scen)
    newest = analysis_context.newest_list_size_date(conn)
    stale_before = newest - dt.timedelta(days=checked.stale_days) if newest is not None else None
    values = {
        **checked.as_dict(),
        "scenario_id": scen["id"],
        "bs_id": bs["id"],
        "area_id": area_row["id"] if area_row else None,
        "area_ods": area_row["ods_code"] if area_row else None,
        "stale_before": stale_before,
    }
    return {
        "scenario": scen,
        "boundary_set": bs,
        "area": area_row,
        "parameters": checked,
        "origin": origin,
        "newest_list_size_date": newest,
        "stale_before": stale_before,
        "values": values,
    }


def _items(conn, values: dict) -> tuple[dict[str, list[dict]], dict]:
    """Every check's rows (one statement, one round trip) and the counts in scope."""
    raw = analysis_checks.items(conn, values)
    items = {
        "orphaned_practices": membership.orphaned_practices(raw),
        "multiply_assigned_practices": membership.multiply_assigned_practices(raw),
        "cross_boundary_networks": cross_boundary.cross_boundary_networks(raw),
        "size_band": size_band.size_band(raw),
        "dominance": dominance.dominance(raw),
        "extended_hours_coverage": extended_hours.extended_hours_coverage(raw),
        "geometry": geometry.geometry(raw),
        "data_gaps": data_gaps.data_gaps(raw),
        "unknown_list_sizes": size_band.unknown_list_sizes(raw),
    }
    return items, raw["_counts"]


def finding_sets(result: dict) -> dict[str, set[str]]:
    """The codes found per summary key (network, practice or area codes), from a full result."""
    items = result["items"]
    out: dict[str, set[str]] = {key: set() for key in SUMMARY_KEYS}
    out["orphaned_practices"] = {r["code"] for r in items["orphaned_practices"]}
    out["multiply_assigned_practices"] = {r["code"] for r in items["multiply_assigned_practices"]}
    for r in items["cross_boundary_networks"]:
        out[f"cross_boundary_{r['kind']}"].add(r["code"])
    for r in items["size_band"]:
        out[f"{r['finding']}_networks"].add(r["code"])
    out["dominated_networks"] = {r["code"] for r in items["dominance"]}
    out["extended_hours_gaps"] = {r["code"] for r in items["extended_hours_coverage"]}
    out["networks_with_unknown_list_sizes"] = {r["code"] for r in items["unknown_list_sizes"]}
    by_kind = {
        "no_location": "practices_without_location",
        "no_list_size": "practices_without_list_size",
        "stale_list_size": "practices_with_stale_list_size",
        "member_outside_polygon": "members_outside_network_polygon",
        "invalid_polygon": "invalid_network_polygons",
        "area_gap": "areas_with_gaps",
    }
    for r in items["data_gaps"]:
        out[by_kind[r["kind"]]].add(r["code"])
    overlapping = out["overlapping_networks"]
    for r in items["geometry"]:
        if r["kind"] == "overlap":
            overlapping.add(r["code"])
            overlapping.add(r["other_code"])
        else:
            out[by_kind[r["kind"]]].add(r["code"])
    return out


def _summary(n: dict[str, int]) -> dict[str, Any]:
    """The nested summary from flat counts (``SUMMARY_KEYS`` plus overlapping_pairs, networks, practices)."""
    return {
        "orphaned_practices": n["orphaned_practices"],
        "multiply_assigned_practices": n["multiply_assigned_practices"],
        "cross_boundary_networks": {
            "administrative": n["cross_boundary_administrative"],
            "geographic": n["cross_boundary_geographic"],
        },
        "undersized_networks": n["undersized_networks"],
        "oversized_networks": n["oversized_networks"],
        "dominated_networks": n["dominated_networks"],
        "extended_hours_gaps": n["extended_hours_gaps"],
        "networks_with_unknown_list_sizes": n["networks_with_unknown_list_sizes"],
        "geometry": {
            "invalid_network_polygons": n["invalid_network_polygons"],
            "overlapping_networks": n["overlapping_networks"],
            "overlapping_pairs": n["overlapping_pairs"],
            "members_outside_network_polygon": n["members_outside_network_polygon"],
            "areas_with_gaps": n["areas_with_gaps"],
        },
        "data_gaps": {
            "practices_without_location": n["practices_without_location"],
            "practices_without_list_size": n["practices_without_list_size"],
            "practices_with_stale_list_size": n["practices_with_stale_list_size"],
            "networks_with_unknown_list_sizes": n["networks_with_unknown_list_sizes"],
        },
        "networks": n["networks"],
        "practices": n["practices"],
    }


def _counts_from_items(items: dict[str, list[dict]], scope: dict) -> dict[str, int]:
    n = {k: len(v) for k, v in finding_sets({"items": items}).items()}
    n["overlapping_pairs"] = sum(1 for r in items["geometry"] if r["kind"] == "overlap")
    return {**n, **scope}


def run_checks(
    conn,
    scenario: str,
    boundary_set: str | None,
    area: str | None = None,
    params: dict | None = None,
    detail: str = "full",
) -> dict[str, Any]:
    """Run every check. ``detail='summary'`` leaves out ``items`` (counts only)."""
    detail = parameters.check_detail(detail)
    ctx = resolve_context(conn, scenario, boundary_set, area, params)
    values = ctx["values"]
    result: dict[str, Any] = {
        "scenario": {"slug": ctx["scenario"]["slug"], "name": ctx["scenario"]["name"]},
        "boundary_set": {k: ctx["boundary_set"][k] for k in ("slug", "name", "level")},
        "area": ({k: ctx["area"][k] for k in ("ods_code", "gss_code", "name")} if ctx["area"] is not None else None),
        "parameters": {
            **ctx["parameters"].as_dict(),
            "sources": ctx["origin"],
            "newest_list_size_date": ctx["newest_list_size_date"].isoformat() if ctx["newest_list_size_date"] else None,
            "stale_before": ctx["stale_before"].isoformat() if ctx["stale_before"] else None,
        },
        "data_version": meta.current_version(conn),
    }
    if detail == "summary":
        result["summary"] = _summary(analysis_checks.summary_counts(conn, values))
    else:
        items, scope = _items(conn, values)
        result["summary"] = _summary(_counts_from_items(items, scope))
        result["items"] = items
    result["explanations"] = {k: CHECK_EXPLANATIONS[k] for k in (*CHECKS, "unknown_list_sizes")}
    return result


def _network_findings_from(result: dict) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}

    def add(code: str, key: str) -> None:
        found.setdefault(code, set()).add(key)

    items = result["items"]
    for r in items["cross_boundary_networks"]:
        add(r["code"], f"cross_boundary_{r['kind']}")
    for r in items["size_band"]:
        add(r["code"], r["finding"])
    for r in items["dominance"]:
        add(r["code"], "dominated")
    for r in items["extended_hours_coverage"]:
        add(r["code"], "extended_hours_gap")
    for r in items["unknown_list_sizes"]:
        add(r["code"], "unknown_list_sizes")
    for r in items["geometry"]:
        if r["kind"] == "overlap":
            add(r["code"], "overlapping")
            add(r["other_code"], "overlapping")
        elif r["kind"] == "invalid_polygon":
            add(r["code"], "invalid_polygon")
        elif r["kind"] == "member_outside_polygon":
            add(r["network_code"], "members_outside_polygon")
    order = list(FINDING_LABELS)
    return {code: sorted(keys, key=order.index) for code, keys in sorted(found.items())}


def _practice_findings_from(result: dict) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}

    def add(code: str, key: str) -> None:
        found.setdefault(code, set()).add(key)

    items = result["items"]
    for r in items["orphaned_practices"]:
        add(r["code"], "orphaned")
    for r in items["multiply_assigned_practices"]:
        add(r["code"], "multiply_assigned")
    for r in items["cross_boundary_networks"]:
        if r["kind"] == "administrative":
            for m in r["members"]:
                add(m["code"], "cross_boundary_member")
        elif r.get("member_areas") and len(r["member_areas"]) > 1:
            # The first area holds most of the network's patients; members elsewhere cross.
            for other in r["member_areas"][1:]:
                for code in other["practices"]:
                    add(code, "cross_boundary_member")
    for r in items["geometry"]:
        if r["kind"] == "member_outside_polygon":
            add(r["code"], "outside_network_polygon")
    for r in items["data_gaps"]:
        add(r["code"], r["kind"])
    order = list(FINDING_LABELS)
    return {code: sorted(keys, key=order.index) for code, keys in sorted(found.items())}


_FINDINGS: LRUCache[tuple[dict[str, list[str]], dict[str, list[str]]]] = LRUCache(16)


def findings(
    conn, scenario: str, boundary_set: str | None, area: str | None = None, params: dict | None = None
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(network code → finding keys, practice ODS code → finding keys) from one run of every check.

    Maps, exports and prints ask for both for the same view, often again: kept per process under the
    data state (database, data version, date), so a kept answer is never stale.
    """
    key = (*data_state(conn), scenario, boundary_set, area, tuple(sorted((params or {}).items())))

    def build():
        result = run_checks(conn, scenario, boundary_set, area, params)
        return _network_findings_from(result), _practice_findings_from(result)

    return _FINDINGS.get_or_build(key, build)


def network_findings(
    conn, scenario: str, boundary_set: str | None, area: str | None = None, params: dict | None = None
) -> dict[str, list[str]]:
    """Network code → finding keys (labels in FINDING_LABELS). Networks without findings are absent."""
    return findings(conn, scenario, boundary_set, area, params)[0]


def practice_findings(
    conn, scenario: str, boundary_set: str | None, area: str | None = None, params: dict | None = None
) -> dict[str, list[str]]:
    """Practice ODS code → finding keys (labels in FINDING_LABELS). Practices without findings are absent."""
    return findings(conn, scenario, boundary_set, area, params)[1]


def data_version(conn) -> int:
    """The database's data version: it changes with every transaction that changes data, so results
    keyed on it (with the date, for membership end dates) can be cached safely."""
    return meta.current_version(conn)


def network_detail(
    conn, scenario: str, code: str, boundary_set: str | None = None, params: dict | None = None
) -> dict[str, Any]:
    """One network: its members (with area and findings) and every finding that concerns it."""
    result = run_checks(conn, scenario, boundary_set, None, params)
    ctx_scenario = analysis_context.scenario(conn, scenario)
    net = analysis_compare.network(conn, ctx_scenario["id"], code)
    if net is None:
        raise NotFound(f"No network with code '{code}' in scenario '{scenario}'.", parameter="code")
    bs = analysis_context.boundary_set(conn, result["boundary_set"]["slug"])
    members = plain(analysis_compare.network_members(conn, net["id"], bs["id"]))
    practice_keys = _practice_findings_from(result)
    for m in members:
        m["findings"] = practice_keys.get(m["code"], [])
    member_codes = {m["code"] for m in members}
    related: dict[str, list[dict]] = {}
    for check, rows in result["items"].items():
        hits = [
            r
            for r in rows
            if net["code"] in (r.get("code"), r.get("network_code"), r.get("other_code"))
            or (check in ("data_gaps", "multiply_assigned_practices") and r["code"] in member_codes)
        ]
        if hits:
            related[check] = hits
    known = [m["list_size"] for m in members if m["list_size"] is not None]
    return {
        "scenario": result["scenario"],
        "boundary_set": result["boundary_set"],
        "parameters": result["parameters"],
        "data_version": result["data_version"],
        "network": {
            **plain({k: v for k, v in net.items() if k != "id"}),
            "member_count": len(members),
            "population": sum(known),
            "unknown_list_sizes": len(members) - len(known),
            "findings": _network_findings_from(result).get(net["code"], []),
        },
        "members": members,
        "items": related,
    }


def compare_scenarios(
    conn, a: str, b: str, boundary_set: str | None = None, params: dict | None = None
) -> dict[str, Any]:
    """Practices that moved, networks added/removed/renamed, population change per network and per
    area, and each check's count in ``a`` and ``b`` (same boundary set and parameters for both)."""
    for name, value in (("a", a), ("b", b)):
        if not value:
            raise InvalidParameter(name, f"'{name}' (a scenario slug) is required.")
    ctx_a = resolve_context(conn, a, boundary_set, None, params)
    ctx_b = resolve_context(conn, b, ctx_a["boundary_set"]["slug"], None, params)
    counts = {}
    for side, ctx in (("a", ctx_a), ("b", ctx_b)):
        found = finding_sets({"items": _items(conn, ctx["values"])[0]})
        counts[side] = {k: len(v) for k, v in found.items()}
    out = compare.compare(conn, ctx_a["scenario"], ctx_b["scenario"], ctx_a["boundary_set"], counts["a"], counts["b"])
    out["data_version"] = meta.current_version(conn)
    return out
