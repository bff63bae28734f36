"""Suggestions for the editor: the practices of a plan in no network, each with the networks it could join, the
nearest networks of its commissioner that stay within the band with it."""

from __future__ import annotations

from geo_service.db.repositories import plan_editor
from geo_service.plans.records import band
from geo_service.scope import resolve_scope


def unassigned(conn, plan: dict, area: str | None = None) -> dict:
    """Practices of the plan (in ``area`` by location) with no current membership, each with up to three
    suggestions: the nearest networks of its commissioner that stay at or below the band's maximum with it."""
    scope = resolve_scope(conn, plan["slug"], area=area)
    lo, hi = band(plan)
    rows = plan_editor.unassigned(conn, scope.values())
    out = []
    for r in rows:
        sugg = plan_editor.suggestions(conn, plan["id"], r["practice_id"], hi) if r["point_id"] else []
        out.append(
            {
                "code": r["code"],
                "name": r["name"],
                "commissioner_code": r["commissioner_code"],
                "list_size": r["list_size"],
                "suggestions": [
                    {
                        **{k: s[k] for k in ("code", "name")},
                        "population": int(s["population"]),
                        "population_with": int(s["population_with"]),
                        "in_band_with": lo <= s["population_with"] <= hi,
                        "distance_m": round(float(s["distance_m"])),
                    }
                    for s in sugg
                ],
                "why_none": None
                if sugg
                else (
                    "no location"
                    if not r["point_id"]
                    else "no unlocked network of its commissioner stays within the band"
                ),
            }
        )
    return {
        "plan": plan["slug"],
        "area": scope.area["name"] if scope.area else None,
        "band": {"min": lo, "max": hi},
        "practices": out,
    }
