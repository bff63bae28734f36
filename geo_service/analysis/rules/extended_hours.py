"""Extended-hours coverage: the share of patients at practices offering extended hours (over members whose
offer is known) below the threshold; with a threshold of 1, any member known not to offer is a finding."""

from __future__ import annotations

from geo_service.analysis.rules.base import HEADLINE, MapLayer, Rule

RULE = Rule(
    key="extended_hours_coverage",
    tier=HEADLINE,
    explanation="Networks where the share of patients registered at practices offering extended hours is below "
    "the threshold.",
    queries={
        "extended_hours_coverage": """
        SELECT code, name, member_count, population, covered_population, known_hours_population,
               CASE WHEN known_hours_population > 0
                    THEN round(covered_population::numeric / known_hours_population, 4) END AS coverage,
               not_offering AS practices_not_offering, hours_unknown AS practices_offer_unknown
          FROM population
         WHERE (known_hours_population > 0
                AND covered_population::numeric / known_hours_population < %(extended_hours)s)
            OR (%(extended_hours)s >= 1 AND cardinality(not_offering) > 0)
         ORDER BY code COLLATE "C"
        """
    },
    summary={"extended_hours_coverage": "'extended_hours_gaps', count(*)"},
    summary_labels={"extended_hours_gaps": "Networks with extended-hours gaps"},
    labels={"extended_hours_gap": "Not every patient is covered by extended hours"},
    counted_as={"extended_hours_gap": "extended_hours_gaps"},
    headline=lambda r: ("extended_hours_gap", r["coverage"]),
    findings=lambda items: (("network", r["code"], "extended_hours_gap") for r in items),
    map_layers=(MapLayer("extended_hours_gap", "Extended-hours gaps", "#E69F00", "4 4", False),),
)
