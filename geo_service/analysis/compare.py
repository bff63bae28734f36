"""Compare two scenarios: practices that moved, networks added/removed/renamed, population change
per network and per area, and each check's count in both."""

from __future__ import annotations

from typing import Any

from geo_service.analysis.evidence import plain
from geo_service.db.repositories import analysis_compare


def compare(conn, scope_a, scope_b, counts_a: dict, counts_b: dict) -> dict[str, Any]:
    """``scope_a``/``scope_b`` are the two scenarios' scopes (same boundary set); ``counts_*`` their flat
    check counts. Each side is read as of its own date and extracts."""
    a, b, boundary_set = scope_a.scenario, scope_b.scenario, scope_a.boundary_set
    va, vb = scope_a.values(), scope_b.values()
    mem_a = _by_practice(analysis_compare.current_memberships(conn, va))
    mem_b = _by_practice(analysis_compare.current_memberships(conn, vb))
    moved = []
    for code in sorted(set(mem_a) | set(mem_b)):
        before, after = mem_a.get(code), mem_b.get(code)
        nets_a = before["networks"] if before else []
        nets_b = after["networks"] if after else []
        if nets_a != nets_b:
            moved.append(
                {
                    "code": code,
                    "name": (before or after)["name"],
                    "from": nets_a[0] if len(nets_a) == 1 else (nets_a or None),
                    "to": nets_b[0] if len(nets_b) == 1 else (nets_b or None),
                }
            )
    pop_a = {r["code"]: r for r in analysis_compare.network_populations(conn, va)}
    pop_b = {r["code"]: r for r in analysis_compare.network_populations(conn, vb)}
    added = [{"code": c, "name": pop_b[c]["name"]} for c in sorted(set(pop_b) - set(pop_a))]
    removed = [{"code": c, "name": pop_a[c]["name"]} for c in sorted(set(pop_a) - set(pop_b))]
    renamed = [
        {"code": c, "from": pop_a[c]["name"], "to": pop_b[c]["name"]}
        for c in sorted(set(pop_a) & set(pop_b))
        if pop_a[c]["name"] != pop_b[c]["name"]
    ]
    networks = []
    for code in sorted(set(pop_a) | set(pop_b)):
        pa, pb = pop_a.get(code), pop_b.get(code)
        row = {
            "code": code,
            "name": (pb or pa)["name"],
            "population_a": pa["population"] if pa else None,
            "population_b": pb["population"] if pb else None,
            "members_a": pa["member_count"] if pa else None,
            "members_b": pb["member_count"] if pb else None,
        }
        row["change"] = (row["population_b"] or 0) - (row["population_a"] or 0)
        networks.append(row)
    areas_a = {_area_key(r): r for r in analysis_compare.area_populations(conn, va)}
    areas_b = {_area_key(r): r for r in analysis_compare.area_populations(conn, vb)}
    areas = [
        {
            "code": key,
            "name": areas_a[key]["name"],
            "population_a": areas_a[key]["population"],
            "population_b": areas_b[key]["population"],
            "change": areas_b[key]["population"] - areas_a[key]["population"],
            "member_practices_a": areas_a[key]["member_practices"],
            "member_practices_b": areas_b[key]["member_practices"],
        }
        for key in sorted(areas_a)
    ]
    checks = {k: {"a": counts_a[k], "b": counts_b[k], "change": counts_b[k] - counts_a[k]} for k in counts_a}
    return plain(
        {
            "a": {"slug": a["slug"], "name": a["name"], "scope": scope_a.describe()},
            "b": {"slug": b["slug"], "name": b["name"], "scope": scope_b.describe()},
            "boundary_set": {k: boundary_set[k] for k in ("slug", "name", "level")},
            "practices_moved": moved,
            "networks_added": added,
            "networks_removed": removed,
            "networks_renamed": renamed,
            "network_population": networks,
            "area_population": areas,
            "checks": checks,
        }
    )


def _by_practice(rows: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in rows:
        entry = out.setdefault(r["practice_code"], {"name": r["practice_name"], "networks": []})
        entry["networks"].append(r["network_code"])
    return out


def _area_key(row: dict) -> str:
    return row["ods_code"] or row["gss_code"]
