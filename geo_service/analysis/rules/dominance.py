"""Dominated networks: the largest member holds at least the dominance share of the population; the
pairwise picture is the largest practice beside the rest of the group."""

from __future__ import annotations

from geo_service.analysis.rules.base import HEADLINE, MapLayer, Rule

RULE = Rule(
    key="dominance",
    tier=HEADLINE,
    explanation="Networks where the largest member holds at least the dominance share of the population.",
    queries={
        "dominance": """
        SELECT code, name, member_count, population, largest_code AS largest_practice_code,
               largest_name AS largest_practice_name, largest_list_size,
               round(largest_list_size::numeric / population, 4) AS largest_share,
               population - largest_list_size AS rest_population, member_count - 1 AS rest_member_count,
               second_code AS second_practice_code, second_list_size, unknown_list_sizes
          FROM population
         WHERE population > 0 AND largest_list_size::numeric / population >= %(dominance)s
         ORDER BY code COLLATE "C"
        """
    },
    summary={"dominance": "'dominated_networks', count(*)"},
    summary_labels={"dominated_networks": "Networks dominated by one practice"},
    labels={"dominated": "One practice holds most of the population"},
    counted_as={"dominated": "dominated_networks"},
    headline=lambda r: ("dominated", r["largest_share"]),
    findings=lambda items: (("network", r["code"], "dominated") for r in items),
    map_layers=(MapLayer("dominated", "Dominated networks", "#CC79A7", "2 6", False),),
)
