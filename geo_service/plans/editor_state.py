"""What the map editor starts from: the plan's networks (population, lock, flags), its practices with their
locations and networks, and the networks' polygons; for one area when asked."""

from __future__ import annotations

from geo_service.analysis.findings import FINDING_LABELS
from geo_service.analysis.service import findings_in
from geo_service.db.repositories import plan_editor, plan_networks
from geo_service.plans.records import band, describe
from geo_service.scope import resolve_scope


def editor_state(conn, plan: dict, area: str | None = None) -> dict:
    """What the map editor starts from: networks (population, lock, flags), practices, polygons."""
    scope = resolve_scope(conn, plan["slug"], area=area)
    lo, hi = band(plan)
    nf, _ = findings_in(conn, scope)
    order = list(FINDING_LABELS)
    nets = [
        {
            **{k: n[k] for k in ("code", "name", "lead", "locked", "lock_reason", "has_polygon", "members")},
            "population": int(n["population"]),
            "flags": [
                {"key": k, "label": FINDING_LABELS.get(k, k)} for k in sorted(nf.get(n["code"], []), key=order.index)
            ],
        }
        for n in plan_editor.editor_networks(conn, plan["id"])
    ]
    pracs = [
        {**p, "networks": p["networks"] or []}
        for p in plan_editor.editor_practices(
            conn, plan["id"], scope.area["id"] if scope.area else None, scope.boundary_set["id"]
        )
    ]
    if scope.area is not None:
        touched = {c for p in pracs for c in p["networks"]}
        nets = [n for n in nets if n["code"] in touched or n["lead"] == scope.area.get("ods_code")]
    polys = [r for r in plan_networks.network_geojson(conn, plan["id"]) if any(n["code"] == r["code"] for n in nets)]
    return {
        "plan": describe(plan),
        "band": {"min": lo, "max": hi},
        "scope": scope.describe(),
        "area": scope.area["name"] if scope.area else None,
        "networks": nets,
        "practices": pracs,
        "polygons": polys,
    }
