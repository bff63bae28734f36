"""Network population (current members' known list sizes) below ``min`` or above ``max``.

Members without a list size are counted and reported, never taken as 0. Networks with no current
member are empty networks (their own rule), not undersized.
"""

from __future__ import annotations

from geo_service.analysis.rules.base import HEADLINE, MapLayer, Rule

RULE = Rule(
    key="size_band",
    tier=HEADLINE,
    explanation="Networks whose population (sum of current members' list sizes) is below the minimum or above the "
    "maximum. Members without a list size are counted and reported, never treated as 0.",
    queries={
        "size_band": """
        SELECT code, name, lead_commissioner_code, member_count, population, unknown_list_sizes,
               unknown_list_size_practices, unknown_list_sizes > 0 AS population_is_lower_bound,
               CASE WHEN population < %(min)s THEN 'undersized' ELSE 'oversized' END AS finding
          FROM population
         WHERE member_count > 0 AND (population < %(min)s OR population > %(max)s)
         ORDER BY code COLLATE "C"
        """
    },
    summary={
        "size_band": "'undersized_networks', count(*) FILTER (WHERE x.finding = 'undersized'),"
        " 'oversized_networks', count(*) FILTER (WHERE x.finding = 'oversized')"
    },
    summary_labels={
        "undersized_networks": "Networks below the minimum population",
        "oversized_networks": "Networks above the maximum population",
    },
    labels={"undersized": "Population below the minimum", "oversized": "Population above the maximum"},
    counted_as={"undersized": "undersized_networks", "oversized": "oversized_networks"},
    headline=lambda r: (r["finding"], r["population"]),
    findings=lambda items: (("network", r["code"], r["finding"]) for r in items),
    map_layers=(
        MapLayer("undersized", "Undersized networks", "#0072B2", "8 6", False),
        MapLayer("oversized", "Oversized networks", "#009E73", "8 6", False),
    ),
)
