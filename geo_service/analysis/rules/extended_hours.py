"""Extended-hours coverage: the share of patients at practices offering extended hours (over members whose
offer is known) below the threshold; with a threshold of 1, any member known not to offer is a finding."""

from __future__ import annotations

from geo_service.analysis import wording as w
from geo_service.analysis.parameter_spec import Spec
from geo_service.analysis.rules.base import HEADLINE, Headline, MapLayer, Rule


def _describe(item, params, names) -> w.FindingText:
    coverage = item.get("coverage")
    not_offering = w.codes(item.get("practices_not_offering"))
    unknown = w.codes(item.get("practices_offer_unknown"))
    return w.FindingText(
        "extended_hours_gap",
        f"In {w.subject(item)}, {w.percent(coverage) if coverage is not None else 'an unknown share'} of patients "
        f"are at practices offering extended hours, under the {w.percent(w.param(params, 'extended_hours'), 0)} "
        "expected: arrange extended hours for the patients of the members that do not offer them.",
        [
            ("Network", w.subject(item)),
            (
                "Patients covered",
                f"{w.patients(item.get('covered_population'))} of {w.patients(item.get('known_hours_population'))}",
            ),
            ("Coverage", w.percent(coverage)),
            ("Threshold", w.percent(w.param(params, "extended_hours"), 0)),
            ("Members not offering", w.listing(not_offering, 10)),
        ]
        + ([("Members whose offer is not known", w.listing(unknown, 10))] if unknown else []),
    )


def _threshold(share: float) -> str:
    if share >= 1:
        return "every member practice offers extended hours (all patients covered)"
    return f"practices offering extended hours hold at least {w.percent(share, 0)} of the patients"


RULE = Rule(
    position=70,
    describe=_describe,
    parameters={
        "extended_hours": Spec(
            float, 1.0, 0.0, 1.0, "share of patients that must be at practices offering extended hours"
        ),
    },
    thresholds=lambda params: [("Extended hours", _threshold(w.param(params, "extended_hours")))],
    headlines=(
        Headline(
            ("extended_hours_gaps",),
            lambda p: "networks where not every patient has extended hours",
            "extended_hours_gap",
        ),
    ),
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
