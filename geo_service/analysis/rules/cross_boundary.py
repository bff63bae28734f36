"""Cross-boundary networks, the headline planners argue about, in two kinds, each counted:

* administrative: current members' commissioners differ from each other or from the lead commissioner;
* member location: current members are located in more than one area of the boundary set.

A network polygon reaching into neighbouring areas (derived catchments always do) is catchment spill,
reported under geometry with its share, not as crossing a boundary.
"""

from __future__ import annotations

from geo_service.analysis import wording as w
from geo_service.analysis.rules.base import HEADLINE, Flag, Headline, MapLayer, Rule

_ADMINISTRATIVE = """
WITH flagged AS (
    -- One pass over the members: the evidence is aggregated for every network, kept for the flagged.
    SELECT network_id,
           array_agg(DISTINCT commissioner_code) FILTER (WHERE commissioner_code IS NOT NULL) AS commissioner_codes,
           coalesce(json_agg(json_build_object('code', ods_code, 'name', practice_name,
                                               'commissioner_code', commissioner_code)
                             ORDER BY ods_code COLLATE "C")
                    FILTER (WHERE commissioner_code <> lead OR (lead IS NULL AND commissioner_code IS NOT NULL)),
                    '[]') AS members
      FROM members GROUP BY network_id
    HAVING min(commissioner_code) <> max(commissioner_code) OR bool_or(commissioner_code <> lead)
)
SELECT n.code, n.name, n.lead_commissioner_code, f.commissioner_codes, f.members
  FROM flagged f JOIN scoped n ON n.id = f.network_id
 ORDER BY n.code COLLATE "C"
"""

_MEMBER_AREAS = """
SELECT mb.network_id, pa.area_id, count(*)::int AS practices,
       coalesce(sum(mb.list_size), 0)::bigint AS list_size,
       count(*) FILTER (WHERE mb.list_size IS NULL)::int AS unknown_list_sizes,
       array_agg(mb.ods_code ORDER BY mb.ods_code COLLATE "C") AS practice_codes
  FROM members mb
  JOIN point_areas pa ON pa.point_id = mb.point_id AND pa.boundary_set_id = %(bs_id)s
 GROUP BY mb.network_id, pa.area_id
"""

_MEMBER_LOCATION = (
    """
WITH member_area AS MATERIALIZED ("""
    + _MEMBER_AREAS
    + """), flagged AS (
    SELECT network_id FROM member_area GROUP BY network_id HAVING count(*) > 1
)
SELECT n.code, n.name, n.lead_commissioner_code, count(*)::int AS member_area_count,
       json_agg(json_build_object('area_ods_code', a.ods_code, 'area_gss_code', a.gss_code, 'area_name', a.name,
                                  'practices', l.practice_codes, 'practice_count', l.practices,
                                  'list_size', l.list_size, 'unknown_list_sizes', l.unknown_list_sizes)
                ORDER BY l.list_size DESC, a.id) AS member_areas
  FROM flagged f
  JOIN scoped n ON n.id = f.network_id
  JOIN member_area l ON l.network_id = f.network_id
  JOIN areas a ON a.id = l.area_id
 GROUP BY n.id, n.code, n.name, n.lead_commissioner_code
 ORDER BY n.code COLLATE "C"
"""
)

_ADMINISTRATIVE_COUNT = """
SELECT network_id FROM member_keys GROUP BY network_id
HAVING min(commissioner_code) <> max(commissioner_code) OR bool_or(commissioner_code <> lead)
"""

# The same count over the kept per-network facts (scenario_network_facts.commissioners_differ, migration 0136).
_ADMINISTRATIVE_KEPT_COUNT = """
SELECT f.network_id FROM scenario_network_facts f JOIN scoped n ON n.id = f.network_id
 WHERE f.scenario_id = %(scenario_id)s AND f.commissioners_differ
"""

_MEMBER_LOCATION_COUNT = """
SELECT mb.network_id FROM member_keys mb
  JOIN point_areas pa ON pa.point_id = mb.point_id AND pa.boundary_set_id = %(bs_id)s
 GROUP BY mb.network_id HAVING min(pa.area_id) <> max(pa.area_id)
"""

# The same count over the kept per-network facts: the boundary sets in which the network's members lie in more than
# one area (scenario_network_facts.member_location_sets, migration 0140; refresh_scenario_network_locations computes
# them with the test above, kept fresh when members' points change area).
_MEMBER_LOCATION_KEPT_COUNT = """
SELECT f.network_id FROM scenario_network_facts f JOIN scoped n ON n.id = f.network_id
 WHERE f.scenario_id = %(scenario_id)s AND f.member_location_sets @> ARRAY[%(bs_id)s::integer]
"""


def _combine(raw: dict) -> list[dict]:
    rows = [{**r, "kind": "administrative"} for r in raw["cross_boundary_administrative"]]
    rows += [{**r, "kind": "member_location"} for r in raw["cross_boundary_member_location"]]
    return sorted(rows, key=lambda r: (r["code"], r["kind"]))


def _findings(items: list[dict]):
    for r in items:
        yield "network", r["code"], f"cross_boundary_{r['kind']}"
        if r["kind"] == "administrative":
            for m in r["members"]:
                yield "practice", m["code"], "cross_boundary_member"
        else:
            # The first area holds most of the network's patients; members elsewhere cross.
            for other in r["member_areas"][1:]:
                for code in other["practices"]:
                    yield "practice", code, "cross_boundary_member"


def _describe(item, params, names) -> w.FindingText:
    lead = w.named(item.get("lead_commissioner_code"), None, names)
    if item.get("kind") == "member_location":
        areas = item.get("member_areas") or []
        parts = [
            f"{w.named(a.get('area_ods_code') or a.get('area_gss_code'), a.get('area_name'), names)}: "
            f"{w.plural(int(a.get('practice_count') or 0), 'practice')}, {w.patients(a.get('list_size'))}"
            for a in areas
        ]
        main = areas[0].get("area_name") if areas else None
        return w.FindingText(
            "cross_boundary_member_location",
            f"{w.subject(item)} has members in {w.plural(len(areas), 'area')}: agree which area it plans with"
            + (f" ({main} holds most of its patients)" if main else "")
            + " or move the practices elsewhere into a network there.",
            [("Network", w.subject(item)), ("Lead commissioner", lead)]
            + [(f"Area {i + 1}", p) for i, p in enumerate(parts)],
        )
    commissioners = [w.named(c, None, names) for c in item.get("commissioner_codes") or []]
    differing = [
        f"{w.named(m.get('code'), m.get('name'))}: {w.named(m.get('commissioner_code'), None, names)}"
        for m in item.get("members") or []
    ]
    return w.FindingText(
        "cross_boundary_administrative",
        f"{w.subject(item)} has members commissioned by {w.plural(len(commissioners), 'commissioner')} "
        f"({w.listing(commissioners)}) and its lead commissioner is {lead}: agree one lead commissioner with the "
        "others, or move the members commissioned elsewhere.",
        [("Network", w.subject(item)), ("Lead commissioner", lead), ("Commissioners", w.listing(commissioners, 10))]
        + ([("Members commissioned elsewhere", w.listing(differing, 10))] if differing else []),
    )


RULE = Rule(
    position=40,
    describe=_describe,
    placement={
        "cross_boundary_administrative": (("cross_boundary_networks", "administrative"),),
        "cross_boundary_member_location": (("cross_boundary_networks", "member_location"),),
    },
    flags=(
        Flag(
            "cross_boundary",
            "✕",
            frozenset({"cross_boundary_administrative", "cross_boundary_member_location"}),
            lambda row, t: "Crosses a boundary",
        ),
    ),
    headlines=(
        Headline(
            ("cross_boundary_networks", "administrative"),
            lambda p: "networks crossing a commissioner boundary",
            "cross_boundary_administrative",
        ),
        Headline(
            ("cross_boundary_networks", "member_location"),
            lambda p: "networks with members in more than one area",
            "cross_boundary_member_location",
        ),
    ),
    key="cross_boundary_networks",
    tier=HEADLINE,
    explanation="Networks crossing a boundary: administratively (current members' commissioners differ from "
    "each other or from the network's lead commissioner) or by member location (current members are located in "
    "more than one area). A network polygon reaching into other areas is catchment spill (see geometry).",
    queries={"cross_boundary_administrative": _ADMINISTRATIVE, "cross_boundary_member_location": _MEMBER_LOCATION},
    count_queries={
        "cross_boundary_administrative_count": _ADMINISTRATIVE_COUNT,
        "cross_boundary_member_location_count": _MEMBER_LOCATION_COUNT,
    },
    kept_count_queries={
        "cross_boundary_administrative_count": _ADMINISTRATIVE_KEPT_COUNT,
        "cross_boundary_member_location_count": _MEMBER_LOCATION_KEPT_COUNT,
    },
    summary={
        "cross_boundary_administrative_count": "'cross_boundary_administrative', count(*)",
        "cross_boundary_member_location_count": "'cross_boundary_member_location', count(*)",
    },
    summary_labels={
        "cross_boundary_administrative": "Networks whose members' commissioners differ",
        "cross_boundary_member_location": "Networks whose members lie in more than one area",
    },
    labels={
        "cross_boundary_administrative": "Members' commissioners differ (from each other or the lead commissioner)",
        "cross_boundary_member_location": "Members lie in more than one area",
        "cross_boundary_member": "Its commissioner or location differs from the rest of its network",
    },
    counted_as={
        "cross_boundary_administrative": "cross_boundary_administrative",
        "cross_boundary_member_location": "cross_boundary_member_location",
    },
    combine=_combine,
    headline=lambda r: (
        f"cross_boundary_{r['kind']}",
        r["member_area_count"] if r["kind"] == "member_location" else len(r.get("commissioner_codes") or []),
    ),
    findings=_findings,
    practice_keys=frozenset({"cross_boundary_member"}),
)

# The red outline on maps follows the headline: either kind.
HEADLINE_FINDINGS = ("cross_boundary_administrative", "cross_boundary_member_location")
CROSS_BOUNDARY_LAYER = MapLayer("cross_boundary", "Cross-boundary networks", "#D55E00", "", True)
