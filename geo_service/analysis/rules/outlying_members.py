"""Outlying members: a current member located more than ``outlier_km`` from the nearest other current member
of its network (distances on the ellipsoid, ``geography``: no reprojection of every point). A network's practices
work together; one far from all the others is worth a second look (a wrong postcode, or a practice better placed
in a nearer network). A finding on the practice and on its network. Members without a location, and networks
with one located member, are never outlying.
"""

from __future__ import annotations

from geo_service.analysis import wording as w
from geo_service.analysis.parameter_spec import Spec
from geo_service.analysis.rules.base import HEADLINE, Flag, Headline, Rule

_LOCATED = """
WITH located AS MATERIALIZED (
    SELECT mb.network_id, mb.network_code, mb.network_name, mb.practice_id, mb.ods_code, mb.practice_name,
           mb.list_size, pt.geom, ST_X(pt.geom) AS lon, ST_Y(pt.geom) AS lat,
           cos(radians(ST_Y(pt.geom))) AS cos_lat
      FROM members mb JOIN postcode_points pt ON pt.id = mb.point_id
), outlying AS (
    -- Members with another located member in their network and none within outlier_km of them: hash joins on
    -- the network (members of one network are few), so no pair is sorted. Bounds on the ellipsoid decide most
    -- pairs without the geodesic (the cost of this rule): a pair is within the distance when a path from a
    -- along its parallel then along b's meridian is (111.695 km a degree at most, the largest radius of
    -- curvature), and not within when their latitudes alone are further apart (110.574 km a degree at least,
    -- the smallest meridional radius); the margins keep rounding on the safe side, ST_DWithin decides the rest
    -- (points are made geography only there).
    SELECT a.* FROM located a
     WHERE EXISTS (SELECT 1 FROM located b WHERE b.network_id = a.network_id AND b.practice_id <> a.practice_id)
       AND NOT EXISTS (
           SELECT 1 FROM located b
            WHERE b.network_id = a.network_id AND b.practice_id <> a.practice_id
              AND CASE WHEN 111695 * (a.cos_lat * abs(a.lon - b.lon) + abs(a.lat - b.lat))
                            <= %(outlier_km)s * 1000 * 0.999 THEN true
                       WHEN 110574 * abs(a.lat - b.lat) > %(outlier_km)s * 1000 * 1.001 THEN false
                       ELSE ST_DWithin(a.geom::geography, b.geom::geography, %(outlier_km)s * 1000) END)
)
"""

_QUERY = (
    _LOCATED
    + """
SELECT DISTINCT ON (o.ods_code COLLATE "C", o.network_code COLLATE "C")
       o.ods_code AS code, o.practice_name AS name, o.network_code, o.network_name, o.list_size,
       b.ods_code AS nearest_code, b.practice_name AS nearest_name, round(d.m::numeric) AS distance_m
  FROM outlying o
  -- The nearest other member, for the evidence (outlying members only).
  JOIN located b ON b.network_id = o.network_id AND b.practice_id <> o.practice_id
  CROSS JOIN LATERAL (SELECT ST_Distance(o.geom::geography, b.geom::geography) AS m) d
 ORDER BY o.ods_code COLLATE "C", o.network_code COLLATE "C", d.m, b.ods_code COLLATE "C"
"""
)

_COUNT = _LOCATED + "SELECT ods_code AS code, network_code FROM outlying"

# Over the kept distances (SQL function refresh_scenario_network_facts: each located member's geodesic distance to
# the nearest other located member of its network): the members none of whose others lies within outlier_km.
_KEPT_COUNT = "SELECT ods_code AS code, network_code FROM kept_nearest WHERE nearest_m > %(outlier_km)s * 1000"


def _findings(items: list[dict]):
    for r in items:
        yield "practice", r["code"], "outlying_member"
        yield "network", r["network_code"], "has_outlying_member"


def _describe(item, params, names) -> w.FindingText:
    network = w.named(item.get("network_code"), item.get("network_name"))
    nearest = w.named(item.get("nearest_code"), item.get("nearest_name"))
    limit = w.param(params, "outlier_km")
    return w.FindingText(
        "outlying_member",
        f"{w.subject(item)} lies {w.km(item.get('distance_m'))} from {nearest}, the nearest other member of its "
        f"network {network}, more than the {limit:g} km allowed: check its postcode, or whether a nearer "
        "network suits it better.",
        [
            ("Practice", w.subject(item)),
            ("Network", network),
            ("Nearest other member", nearest),
            ("Distance", w.km(item.get("distance_m"))),
            ("Allowed", f"{limit:g} km"),
            ("List size", w.patients(item.get("list_size"))),
        ],
    )


RULE = Rule(
    key="outlying_members",
    tier=HEADLINE,
    position=75,
    explanation="Practices located more than the allowed distance from the nearest other current member of "
    "their network.",
    queries={"outlying_members": _QUERY},
    count_queries={"outlying_count": _COUNT},
    kept_count_queries={"outlying_count": _KEPT_COUNT},
    summary={
        "outlying_count": "'outlying_members', count(DISTINCT x.code),"
        " 'networks_with_outlying_members', count(DISTINCT x.network_code)"
    },
    summary_labels={
        "outlying_members": "Practices far from the rest of their network",
        "networks_with_outlying_members": "Networks with a member far from the rest",
    },
    labels={
        "outlying_member": "Far from the other members of its network",
        "has_outlying_member": "A member lies far from the others",
    },
    counted_as={"outlying_member": "outlying_members", "has_outlying_member": "networks_with_outlying_members"},
    headline=lambda r: ("outlying_member", r["distance_m"]),
    findings=_findings,
    practice_keys=frozenset({"outlying_member"}),
    parameters={
        "outlier_km": Spec(
            float,
            10.0,
            0.0,
            1_000.0,
            "distance (km) from the nearest other member of its network beyond which a member is outlying",
        ),
    },
    thresholds=lambda params: [
        ("Outlying member", f"over {w.param(params, 'outlier_km'):g} km from the nearest other member")
    ],
    describe=_describe,
    flags=(
        Flag(
            "outlying",
            "↔",
            frozenset({"has_outlying_member"}),
            lambda row, t: "A member far from the others",
            "networks_with_outlying_members",
        ),
    ),
    headlines=(
        Headline(
            ("outlying_members",),
            lambda p: f"practices over {p.get('outlier_km', 10):g} km from the rest of their network",
            "outlying_member",
        ),
    ),
)
