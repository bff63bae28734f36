"""Dominated networks: the largest member holds at least the dominance share of the population; the
pairwise picture is the largest practice beside the rest of the group."""

from __future__ import annotations

from geo_service.analysis import wording as w
from geo_service.analysis.parameter_spec import POPULATION, Spec
from geo_service.analysis.rules.base import HEADLINE, Flag, Headline, MapLayer, Rule


def _describe(item, params, names) -> w.FindingText:
    largest = w.named(item.get("largest_practice_code"), item.get("largest_practice_name"))
    share = w.percent(item.get("largest_share"))
    return w.FindingText(
        "dominated",
        f"In {w.subject(item)}, {largest} holds {share} of the patients, at or over the "
        f"{w.percent(w.param(params, 'dominance'), 0)} dominance threshold: check the other members have a fair say, "
        "or add practices to balance the network.",
        [
            ("Network", w.subject(item)),
            ("Largest practice", largest),
            ("Its list size", w.patients(item.get("largest_list_size"))),
            ("Its share", share),
            ("Network population", w.patients(item.get("population"))),
            (
                "Other members",
                f"{w.count(item.get('rest_member_count'))} with {w.patients(item.get('rest_population'))}",
            ),
            ("Threshold", w.percent(w.param(params, "dominance"), 0)),
        ],
    )


RULE = Rule(
    position=60,
    describe=_describe,
    parameters={
        "dominance": Spec(float, 0.5, 0.0, 1.0, "largest member's share of the population that counts as dominant"),
        "population": POPULATION,
    },
    thresholds=lambda params: [
        ("Dominant practice", f"holds at least {w.percent(w.param(params, 'dominance'), 0)} of the patients")
    ],
    flags=(
        Flag(
            "dominated",
            "◆",
            frozenset({"dominated"}),
            lambda row, t: f"Largest member {w.percent(row.largest_share)}",
            "dominated_networks",
        ),
    ),
    headlines=(
        Headline(
            ("dominated_networks",),
            lambda p: f"networks where one practice has over {p['dominance'] * 100:g} % of patients",
            "dominated",
        ),
    ),
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
