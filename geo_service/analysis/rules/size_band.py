"""Network population (current members' known list sizes) below ``min`` or above ``max``.

Members without a list size are counted and reported, never taken as 0. Networks with no current
member are empty networks (their own rule), not undersized.
"""

from __future__ import annotations

from geo_service.analysis import wording as w
from geo_service.analysis.parameter_spec import POPULATION, Spec
from geo_service.analysis.rules.base import HEADLINE, Flag, Headline, MapLayer, Rule


def _describe(item, params, names) -> w.FindingText:
    unknown = int(item.get("unknown_list_sizes") or 0)
    lower = f" (at least: {w.plural(unknown, 'member')} without a list size)" if unknown else ""
    pop = w.patients(item.get("population"))
    if item.get("finding") == "undersized":
        sentence = (
            f"{w.subject(item)} has {pop}{lower}, under the {w.count(w.param(params, 'min'))} minimum: merge it with "
            "a neighbouring network or add practices."
        )
    else:
        sentence = (
            f"{w.subject(item)} has {pop}{lower}, over the {w.count(w.param(params, 'max'))} maximum: split it into "
            "two networks or move practices to a neighbouring network."
        )
    rows = [
        ("Network", w.subject(item)),
        ("Population", pop),
        ("Band", w.band(params)),
        ("Members", w.count(item.get("member_count"))),
    ]
    if unknown:
        rows.append(("Members without a list size", w.listing(w.codes(item.get("unknown_list_size_practices")), 10)))
    if item.get("lead_commissioner_code"):
        rows.append(("Lead commissioner", w.named(item["lead_commissioner_code"], None, names)))
    return w.FindingText(item.get("finding") or "undersized", sentence, rows)


RULE = Rule(
    position=50,
    describe=_describe,
    parameters={
        "min": Spec(int, 30_000, 0, None, "smallest acceptable network population"),
        "max": Spec(int, 50_000, 0, None, "largest acceptable network population"),
        "population": POPULATION,
    },
    thresholds=lambda params: [("Population band", w.band(params))],
    flags=(
        Flag("undersized", "▼", frozenset({"undersized"}), lambda row, t: f"Below {t.min:,}", "undersized_networks"),
        Flag("oversized", "▲", frozenset({"oversized"}), lambda row, t: f"Above {t.max:,}", "oversized_networks"),
    ),
    headlines=(
        Headline(("undersized_networks",), lambda p: f"networks under {p['min']:,} patients", "undersized"),
        Headline(("oversized_networks",), lambda p: f"networks over {p['max']:,} patients", "oversized"),
    ),
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
