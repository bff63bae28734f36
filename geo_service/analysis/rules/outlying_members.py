"""Outlying members: a current member located more than ``outlier_km`` from the nearest other current member
of its network (distances in EPSG:27700, British National Grid). A network's practices work together; one far
from all the others is worth a second look (a wrong postcode, or a practice better placed in a nearer network).
A finding on the practice and on its network. Members without a location, and networks with one located
member, are never outlying.
"""

from __future__ import annotations

from geo_service.analysis import wording as w
from geo_service.analysis.parameters import Spec
from geo_service.analysis.rules.base import HEADLINE, Flag, Headline, Rule

_QUERY = """
WITH located AS MATERIALIZED (
    SELECT mb.network_id, mb.network_code, mb.network_name, mb.practice_id, mb.ods_code, mb.practice_name,
           mb.list_size, ST_Transform(pt.geom, 27700) AS g
      FROM members mb JOIN postcode_points pt ON pt.id = mb.point_id
), nearest AS (
    -- Each member's nearest other member of the same network (members of one network are few: a hash join
    -- on the network, then the pairs of each).
    SELECT DISTINCT ON (a.network_id, a.practice_id)
           a.network_id, a.practice_id, b.ods_code AS nearest_code, b.practice_name AS nearest_name,
           ST_Distance(a.g, b.g) AS distance_m
      FROM located a JOIN located b ON b.network_id = a.network_id AND b.practice_id <> a.practice_id
     ORDER BY a.network_id, a.practice_id, ST_Distance(a.g, b.g), b.ods_code COLLATE "C"
)
SELECT l.ods_code AS code, l.practice_name AS name, l.network_code, l.network_name, l.list_size,
       n.nearest_code, n.nearest_name, round(n.distance_m::numeric) AS distance_m
  FROM nearest n JOIN located l ON l.network_id = n.network_id AND l.practice_id = n.practice_id
 WHERE n.distance_m > %(outlier_km)s * 1000
 ORDER BY l.ods_code COLLATE "C", l.network_code COLLATE "C"
"""


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
    summary={
        "outlying_members": "'outlying_members', count(DISTINCT x.code),"
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
