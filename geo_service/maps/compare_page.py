"""The compare page beyond one area (issue 20): all of England (or any area), with sensible defaults for the two
scenarios and the choices its pickers offer. The area compare itself is :func:`geo_service.maps.views.compare_views`.
No Flask here."""

from __future__ import annotations

from geo_service.analysis import service
from geo_service.db.repositories import findings_browser as areas_repo
from geo_service.db.repositories import practice_timeline as scenarios_repo
from geo_service.errors import InvalidParameter
from geo_service.maps import views
from geo_service.maps.views import Links, MapView
from geo_service.scope import Scope

MOVED_SHOWN = 300  # moved practices listed on an England-wide page (the JSON and CSV of the compare API list all)
NETWORKS_SHOWN = 300  # networks in the populations table of an England-wide page (the compare API lists all)
LIST_FOLDED = 20  # a story list longer than this (e.g. 1,212 renamed networks) starts folded


def populations_shown(rows: list[dict], england: bool) -> list[dict]:
    """The populations table's rows: every network of an area (by code); on an England-wide page the
    :data:`NETWORKS_SHOWN` whose population changed most, largest change first (ties by code)."""
    if not england or len(rows) <= NETWORKS_SHOWN:
        return rows
    return sorted(rows, key=lambda r: (-abs(r["change"]), r["code"]))[:NETWORKS_SHOWN]


def default_pair(conn, a: str | None, b: str | None, visible: set[str] | None) -> tuple[str, str]:
    """The two scenarios when the page was opened without one or both: the newest public baseline of the dataset
    (of ``a``, else of the newest baseline) on the right and the baseline before it on the left."""
    listed = [s for s in scenarios_repo.scenario_list(conn) if visible is None or s["slug"] in visible]
    known = {s["slug"].lower(): s for s in listed}
    for name, value in (("a", a), ("b", b)):
        if value and value.lower() not in known:
            raise InvalidParameter(name, f"No scenario '{value}' that you may see.", allowed=sorted(known)[:20])
    anchor = known.get((a or b or "").lower())
    baselines = [s for s in listed if s["status"] == "baseline"]
    dataset = anchor["dataset"] if anchor else ("real" if any(s["dataset"] == "real" for s in baselines) else None)
    same = [s for s in baselines if dataset is None or s["dataset"] == dataset] or baselines
    if not same:
        raise InvalidParameter("a", "There is no scenario to compare yet.")
    if a and b:
        return a, b
    if a:
        later = [s for s in same if s["as_of"] > known[a.lower()]["as_of"]]
        other = later[0] if later else next((s for s in reversed(same) if s["slug"] != known[a.lower()]["slug"]), None)
        return a, other["slug"] if other else a
    if b:
        earlier = [s for s in same if s["as_of"] < known[b.lower()]["as_of"]]
        other = earlier[-1] if earlier else next((s for s in same if s["slug"] != known[b.lower()]["slug"]), None)
        return other["slug"] if other else b, b
    right = same[-1]
    left = same[-2] if len(same) > 1 else right
    return left["slug"], right["slug"]


def pickers(conn, scope_a: Scope, visible: set[str] | None) -> dict:
    """What the pickers offer: the scenarios of the left side's dataset the viewer may see (oldest first) and the
    areas of the boundary set both sides are read on."""
    listed = [
        {"slug": s["slug"], "name": s["name"], "status": s["status"]}
        for s in scenarios_repo.scenario_list(conn)
        if s["dataset"] == scope_a.dataset and (visible is None or s["slug"] in visible)
    ]
    return {
        "scenarios": listed,
        "areas": areas_repo.area_options(conn, scope_a.boundary_set["id"]),
        "boundary_set": scope_a.boundary_set,
    }


def england_views(conn, scope_a: Scope, scope_b: Scope, links_a: Links, links_b: Links):
    """Both scenarios' overviews (areas coloured by findings) and the engine's England-wide comparison: networks
    added, removed, renamed, merged, split, populations, check counts, practices that moved (the first
    :data:`MOVED_SHOWN` listed)."""
    result = service.compare_scenarios(
        conn, scope_a.scenario["slug"], scope_b.scenario["slug"], scope_a.boundary_set["slug"], None, None
    )
    view_a = views.overview_view(conn, scope_a, links_a)
    view_b = views.overview_view(conn, scope_b, links_b)
    moved = [
        {
            "code": m["code"],
            "name": m["name"],
            "from_named": [views._named_network(n) for n in m["from_networks"]],
            "to_named": [views._named_network(n) for n in m["to_networks"]],
            "change": m.get("change"),
            "from_status": m.get("from_status"),
            "to_status": m.get("to_status"),
        }
        for m in result["practices_moved"]
    ]
    return view_a, view_b, moved, result["checks"], result


def compare_any(
    conn, scope_a: Scope, scope_b: Scope, links_a: Links, links_b: Links
) -> tuple[MapView, MapView, list[dict], dict, dict]:
    if scope_a.area is None:
        return england_views(conn, scope_a, scope_b, links_a, links_b)
    return views.compare_views(conn, scope_a, scope_b, links_a, links_b)
