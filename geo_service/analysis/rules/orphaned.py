"""Orphaned practices: active GP practices of the scope's nation with no current membership.

Every practice must be in a network. Practices of other nations (Welsh practices in an English register)
are out of scope and counted apart, never as orphans.
"""

from __future__ import annotations

from geo_service.analysis import wording as w
from geo_service.analysis.rules.base import HEADLINE, Headline, Rule


def _describe(item, params, names) -> w.FindingText:
    area = w.named(item.get("area_ods_code") or item.get("area_gss_code"), item.get("area_name"), names)
    where = f" in {item['area_name']}" if item.get("area_name") else ""
    return w.FindingText(
        "orphaned",
        f"{w.subject(item)} is not in any network: add it to a network{where}.",
        [
            ("Practice", w.subject(item)),
            ("Postcode", item.get("postcode") or w.NOT_KNOWN),
            ("Commissioner", w.named(item.get("commissioner_code"), None, names)),
            ("List size", w.patients(item.get("list_size"))),
            ("Located in", area),
        ],
    )


RULE = Rule(
    position=10,
    describe=_describe,
    headlines=(Headline(("orphaned_practices",), lambda p: "practices in no network", "orphaned"),),
    key="orphaned_practices",
    tier=HEADLINE,
    explanation="Active GP practices with no current membership of any network: every practice must be in a network.",
    queries={
        "orphaned_practices": """
        SELECT ps.ods_code AS code, ps.name, ps.postcode, ps.commissioner_code, ps.list_size,
               a.ods_code AS area_ods_code, a.gss_code AS area_gss_code, a.name AS area_name
          FROM ps
          LEFT JOIN point_areas pa ON pa.point_id = ps.point_id AND pa.boundary_set_id = %(bs_id)s
          LEFT JOIN areas a ON a.id = pa.area_id
         WHERE {in_scope}
           -- ``members`` holds every current membership of a practice in the area (its networks are in scope).
           AND NOT EXISTS (SELECT 1 FROM members mb WHERE mb.practice_id = ps.practice_id)
           AND {in_area}
         ORDER BY ps.ods_code COLLATE "C"
        """
    },
    # The count needs no area join and no order.
    count_queries={
        "orphaned_count": """
        SELECT 1 FROM ps
         WHERE {in_scope} AND NOT EXISTS (SELECT 1 FROM member_keys mb WHERE mb.practice_id = ps.practice_id)
           AND {in_area}
        """
    },
    summary={"orphaned_count": "'orphaned_practices', count(*)"},
    summary_labels={"orphaned_practices": "Orphaned practices"},
    labels={"orphaned": "Not in any network"},
    counted_as={"orphaned": "orphaned_practices"},
    headline=lambda r: ("orphaned", r.get("list_size")),
    findings=lambda items: (("practice", r["code"], "orphaned") for r in items),
    practice_keys=frozenset({"orphaned"}),
)
