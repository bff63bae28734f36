"""Geometry checks on network polygons: invalid (made valid on import), overlapping (m² and share of each
network), members outside their own polygon (beyond a tolerance in metres), parts of areas covered by no
polygon, and catchment spill (the share of a polygon outside its main area, above the tolerance). Read from
tables kept by triggers (migrations 0010, 0011, 0030)."""

from __future__ import annotations

from geo_service.analysis import wording as w
from geo_service.analysis.parameter_spec import Spec
from geo_service.analysis.rules.base import DETAIL, Rule

# Catchment polygons overlap by nature: two polygons overlapping is a finding only when the overlap is material,
# at least this share of the smaller polygon (and at least overlap_min_m2). Chosen on England (see README).
OVERLAP_MIN_SHARE = 0.10

_QUERIES = {
    "invalid_polygons": """
    SELECT code, name, 'invalid_polygon' AS kind FROM scoped
     WHERE has_polygon AND geom_made_valid ORDER BY code COLLATE "C"
    """,
    # Pairs of the scenario's polygons overlapping materially: by at least overlap_min_m2 and at least
    # overlap_min_share of the smaller polygon (``smaller_share``, kept with the pair: migration 0080).
    "overlaps": """
    SELECT a.code, a.name, 'overlap' AS kind, b.code AS other_code, b.name AS other_name,
           round(o.overlap_m2::numeric) AS overlap_m2,
           round((o.overlap_m2 / nullif(ga.area_m2, 0))::numeric, 4) AS share_of_network,
           round((o.overlap_m2 / nullif(gb.area_m2, 0))::numeric, 4) AS share_of_other
      FROM network_overlaps o
      JOIN networks a ON a.id = o.network_a
      JOIN networks b ON b.id = o.network_b
      JOIN network_geometry ga ON ga.network_id = a.id
      JOIN network_geometry gb ON gb.network_id = b.id
     WHERE o.scenario_id = %(scenario_id)s AND o.overlap_m2 >= %(overlap_min_m2)s
       AND o.smaller_share >= %(overlap_min_share)s
       AND (%(area_id)s::integer IS NULL
            OR o.network_a IN (SELECT id FROM scoped) OR o.network_b IN (SELECT id FROM scoped))
     ORDER BY a.code COLLATE "C", b.code COLLATE "C"
    """,
    # Current members (at their location as of the scope) further than outside_tolerance_m from their polygon.
    "members_outside_polygon": """
    SELECT mb.ods_code AS code, mb.practice_name AS name, 'member_outside_polygon' AS kind,
           mb.network_code, mb.network_name, round(d.distance_m::numeric, 1) AS distance_m
      FROM members mb JOIN network_point_distance d ON d.network_id = mb.network_id AND d.point_id = mb.point_id
     WHERE d.distance_m > %(outside_tolerance_m)s
     ORDER BY mb.ods_code COLLATE "C", mb.network_code COLLATE "C"
    """,
    # Areas with parts (each at least gap_min_m2) covered by no network polygon of the scenario.
    "area_gaps": """
    SELECT coalesce(a.ods_code, a.gss_code) AS code, a.name, 'area_gap' AS kind, a.ods_code AS area_ods_code,
           a.gss_code AS area_gss_code, count(*)::int AS gap_parts, round(sum(g.gap_m2)::numeric) AS gap_m2,
           round((sum(g.gap_m2) / nullif(max(ag.area_m2), 0))::numeric, 4) AS share_of_area
      FROM area_gaps g
      JOIN areas a ON a.id = g.area_id
      LEFT JOIN area_geometry ag ON ag.area_id = a.id
     WHERE g.scenario_id = %(scenario_id)s AND a.boundary_set_id = %(bs_id)s
       AND g.gap_m2 >= %(gap_min_m2)s
       AND (%(area_id)s::integer IS NULL OR a.id = %(area_id)s)
     GROUP BY a.id
     ORDER BY coalesce(a.ods_code, a.gss_code) COLLATE "C"
    """,
    # Polygons with more than the tolerance of their area outside their main area.
    "catchment_spill": """
    WITH shares AS (
        SELECT s.network_id, max(s.share) AS main_share FROM network_area_shares s
         WHERE s.boundary_set_id = %(bs_id)s AND s.network_id IN (SELECT id FROM scoped WHERE has_polygon)
         GROUP BY s.network_id
    )
    SELECT n.code, n.name, 'catchment_spill' AS kind,
           round((1 - coalesce(sh.main_share, 0))::numeric, 4) AS share_outside_main_area,
           (SELECT json_agg(json_build_object('area_ods_code', a.ods_code, 'area_gss_code', a.gss_code,
                                              'area_name', a.name, 'share', round(s.share::numeric, 4),
                                              'area_m2', round(s.area_m2::numeric))
                            ORDER BY s.share DESC, a.id)
              FROM network_area_shares s JOIN areas a ON a.id = s.area_id
             WHERE s.network_id = n.id AND s.boundary_set_id = %(bs_id)s) AS polygon_areas
      FROM scoped n LEFT JOIN shares sh ON sh.network_id = n.id
     WHERE n.has_polygon AND 1 - coalesce(sh.main_share, 0) > %(cross_boundary_tolerance)s
     ORDER BY n.code COLLATE "C"
    """,
}

_COUNT_QUERIES = {
    # One row per network in a material overlap, with how many such pairs it is in: the pairs are half the sum
    # (each pair has two sides), the networks the rows (a hash aggregate, no sort for a distinct count).
    "overlap_pairs": """
    SELECT v.network_id, count(*) AS sides FROM network_overlaps o,
           LATERAL (VALUES (o.network_a), (o.network_b)) v (network_id)
     WHERE o.scenario_id = %(scenario_id)s AND o.smaller_share >= %(overlap_min_share)s
       AND o.overlap_m2 >= %(overlap_min_m2)s
       AND (%(area_id)s::integer IS NULL
            OR o.network_a IN (SELECT id FROM scoped) OR o.network_b IN (SELECT id FROM scoped))
     GROUP BY v.network_id
    """,
    # The summary counts these two without the items' columns and order.
    "members_outside_count": """
    SELECT mb.ods_code AS code
      FROM member_keys mb JOIN network_point_distance d ON d.network_id = mb.network_id AND d.point_id = mb.point_id
     WHERE d.distance_m > %(outside_tolerance_m)s
    """,
    "area_gaps_count": """
    SELECT DISTINCT g.area_id
      FROM area_gaps g JOIN areas a ON a.id = g.area_id
     WHERE g.scenario_id = %(scenario_id)s AND a.boundary_set_id = %(bs_id)s
       AND g.gap_m2 >= %(gap_min_m2)s
       AND (%(area_id)s::integer IS NULL OR a.id = %(area_id)s)
    """,
    "catchment_spill_count": """
    SELECT n.id FROM scoped n
      LEFT JOIN (SELECT s.network_id, max(s.share) AS main_share FROM network_area_shares s
                  WHERE s.boundary_set_id = %(bs_id)s AND s.network_id IN (SELECT id FROM scoped WHERE has_polygon)
                  GROUP BY s.network_id) sh ON sh.network_id = n.id
     WHERE n.has_polygon AND 1 - coalesce(sh.main_share, 0) > %(cross_boundary_tolerance)s
    """,
}

# Over the kept per-network facts (migration 0140): each network's members further than the default tolerance
# (kept_outside_tolerance_m(), kept fresh when polygons or members' points change) read from the kept codes; another
# tolerance computes the count above live. The comparison is constant (folded when planned, or a one-time filter of
# a prepared statement's generic plan), so only one branch runs.
_MEMBERS_OUTSIDE_KEPT_COUNT = (
    """
    SELECT unnest(f.members_outside) AS code
      FROM scenario_network_facts f JOIN scoped n ON n.id = f.network_id
     WHERE f.scenario_id = %(scenario_id)s AND %(outside_tolerance_m)s = kept_outside_tolerance_m()
    UNION ALL"""
    + _COUNT_QUERIES["members_outside_count"]
    + """       AND %(outside_tolerance_m)s <> kept_outside_tolerance_m()
    """
)


def _findings(items: list[dict]):
    for r in items:
        kind = r["kind"]
        if kind == "overlap":
            yield "network", r["code"], "overlapping"
            yield "network", r["other_code"], "overlapping"
        elif kind == "invalid_polygon":
            yield "network", r["code"], "invalid_polygon"
        elif kind == "member_outside_polygon":
            yield "network", r["network_code"], "members_outside_polygon"
            yield "practice", r["code"], "outside_network_polygon"
        elif kind == "area_gap":
            yield "area", r["code"], "area_gap"
        elif kind == "catchment_spill":
            yield "network", r["code"], "catchment_spill"


def _describe(item, params, names) -> w.FindingText:
    kind = item.get("kind")
    subject = w.subject(item)
    if kind == "overlap":
        other = w.named(item.get("other_code"), item.get("other_name"))
        return w.FindingText(
            "overlapping",
            f"The polygons of {subject} and {other} overlap by {w.km2(item.get('overlap_m2'))}: redraw the "
            "boundary between them so each place belongs to one network.",
            [
                ("Network", subject),
                ("Overlapping network", other),
                ("Overlap", w.km2(item.get("overlap_m2"))),
                ("Share of this network", w.percent(item.get("share_of_network"))),
                ("Share of the other", w.percent(item.get("share_of_other"))),
            ],
        )
    if kind == "member_outside_polygon":
        net = w.named(item.get("network_code"), item.get("network_name"))
        return w.FindingText(
            "outside_network_polygon",
            f"{subject} lies {w.metres(item.get('distance_m'))} outside the polygon of its network {net}: "
            "redraw the polygon to take it in, or check the practice's postcode.",
            [("Practice", subject), ("Network", net), ("Distance outside", w.metres(item.get("distance_m")))],
        )
    if kind == "area_gap":
        return w.FindingText(
            "area_gap",
            f"{w.km2(item.get('gap_m2'))} of {subject} ({w.percent(item.get('share_of_area'))}) is covered by no "
            "network polygon: extend the neighbouring networks' polygons to cover it.",
            [
                ("Area", subject),
                ("Uncovered", w.km2(item.get("gap_m2"))),
                ("Share of the area", w.percent(item.get("share_of_area"))),
                ("Separate parts", w.count(item.get("gap_parts"))),
            ],
        )
    if kind == "catchment_spill":
        shares = [
            f"{w.named(a.get('area_ods_code') or a.get('area_gss_code'), a.get('area_name'), names)}: "
            f"{w.percent(a.get('share'))}"
            for a in item.get("polygon_areas") or []
        ]
        return w.FindingText(
            "catchment_spill",
            f"{w.percent(item.get('share_outside_main_area'))} of the polygon of {subject} lies outside its main "
            f"area, more than the {w.percent(w.param(params, 'cross_boundary_tolerance'), 0)} allowed: check the "
            "polygon follows the area boundary.",
            [
                ("Network", subject),
                ("Outside its main area", w.percent(item.get("share_outside_main_area"))),
                ("Allowed", w.percent(w.param(params, "cross_boundary_tolerance"), 0)),
                ("Areas it covers", w.listing(shares, 10)),
            ],
        )
    return w.FindingText(
        "invalid_polygon",
        f"The polygon of {subject} was invalid and was made valid on import: check its shape in the source file.",
        [("Network", subject)],
    )


RULE = Rule(
    position=80,
    describe=_describe,
    parameters={
        "cross_boundary_tolerance": Spec(
            float, 0.05, 0.0, 1.0, "share of a network polygon allowed outside its main area"
        ),
        "overlap_min_m2": Spec(float, 1_000.0, 0.0, None, "smallest overlap between network polygons reported (m²)"),
        "overlap_min_share": Spec(
            float,
            OVERLAP_MIN_SHARE,
            0.0,
            1.0,
            "share of the smaller of two network polygons their overlap must reach to be a finding",
        ),
        "gap_min_m2": Spec(float, 1_000.0, 0.0, None, "smallest uncovered part of an area reported (m²)"),
        "outside_tolerance_m": Spec(
            float, 10.0, 0.0, 10_000.0, "distance outside its network polygon a member may sit (m)"
        ),
    },
    thresholds=lambda params: [
        ("Catchment spill allowed", w.percent(w.param(params, "cross_boundary_tolerance"), 0)),
        (
            "Overlap counted from",
            f"{w.percent(w.param(params, 'overlap_min_share'), 0)} of the smaller polygon "
            f"(and at least {w.km2(w.param(params, 'overlap_min_m2'))})",
        ),
    ],
    placement={
        "invalid_network_polygons": (("geometry", "invalid_network_polygons"),),
        "overlapping_networks": (("geometry", "overlapping_networks"),),
        "overlapping_pairs": (("geometry", "overlapping_pairs"),),
        "members_outside_network_polygon": (("geometry", "members_outside_network_polygon"),),
        "areas_with_gaps": (("geometry", "areas_with_gaps"),),
        "catchment_spill_networks": (("geometry", "catchment_spill_networks"),),
    },
    key="geometry",
    tier=DETAIL,
    explanation="Network polygons that were invalid (made valid on import), overlap another network of the "
    "scenario, do not contain their own members, reach beyond their main area by more than the tolerance "
    "(catchment spill), or leave parts of an area uncovered.",
    queries=_QUERIES,
    count_queries=_COUNT_QUERIES,
    kept_count_queries={"members_outside_count": _MEMBERS_OUTSIDE_KEPT_COUNT},
    summary={
        "invalid_polygons": "'invalid_network_polygons', count(*)",
        "members_outside_count": "'members_outside_network_polygon', count(DISTINCT x.code)",
        "area_gaps_count": "'areas_with_gaps', count(*)",
        "catchment_spill_count": "'catchment_spill_networks', count(*)",
        "overlap_pairs": "'overlapping_pairs', coalesce(sum(x.sides), 0)::int / 2, 'overlapping_networks', count(*)",
    },
    summary_labels={
        "invalid_network_polygons": "Invalid network polygons",
        "overlapping_networks": "Networks whose polygons overlap",
        "members_outside_network_polygon": "Members outside their network polygon",
        "areas_with_gaps": "Areas with parts covered by no network",
        "catchment_spill_networks": "Network polygons reaching beyond their main area",
    },
    labels={
        "overlapping": "Polygon overlaps another network",
        "invalid_polygon": "Polygon was invalid (made valid on import)",
        "members_outside_polygon": "Some members lie outside the network polygon",
        "catchment_spill": "Polygon reaches beyond its main area",
        "outside_network_polygon": "Outside its network's polygon",
        "area_gap": "Part of the area is covered by no network",
    },
    counted_as={
        "overlapping": "overlapping_networks",
        "invalid_polygon": "invalid_network_polygons",
        "outside_network_polygon": "members_outside_network_polygon",
        "area_gap": "areas_with_gaps",
        "catchment_spill": "catchment_spill_networks",
    },
    headline=lambda r: (
        r["kind"],
        r.get("overlap_m2") or r.get("gap_m2") or r.get("distance_m") or r.get("share_outside_main_area"),
    ),
    findings=_findings,
    extra_counts=lambda items: {"overlapping_pairs": sum(1 for r in items if r["kind"] == "overlap")},
    practice_keys=frozenset({"outside_network_polygon"}),
    area_keys=frozenset({"area_gap"}),
)
