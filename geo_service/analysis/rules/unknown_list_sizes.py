"""Networks with at least one current member whose list size is unknown (their population is a lower bound)."""

from __future__ import annotations

from geo_service.analysis import wording as w
from geo_service.analysis.rules.base import DETAIL, Rule


def _describe(item, params, names) -> w.FindingText:
    unknown = int(item.get("unknown_list_sizes") or 0)
    return w.FindingText(
        "unknown_list_sizes",
        f"{w.subject(item)} has {w.plural(unknown, 'member')} without a list size, so its population of "
        f"{w.patients(item.get('known_population'))} is a lower bound: find their list sizes before judging its size.",
        [
            ("Network", w.subject(item)),
            ("Known population", w.patients(item.get("known_population"))),
            ("Members", w.count(item.get("member_count"))),
            ("Without a list size", w.listing(w.codes(item.get("unknown_list_size_practices")), 10)),
        ],
    )


RULE = Rule(
    position=100,
    describe=_describe,
    placement={
        "networks_with_unknown_list_sizes": (
            ("networks_with_unknown_list_sizes",),
            ("data_gaps", "networks_with_unknown_list_sizes"),
        )
    },
    key="unknown_list_sizes",
    tier=DETAIL,
    explanation="Networks with at least one current member whose list size is unknown.",
    queries={
        "unknown_list_sizes": """
        SELECT code, name, member_count, population AS known_population, unknown_list_sizes,
               unknown_list_size_practices
          FROM population WHERE unknown_list_sizes > 0 ORDER BY code COLLATE "C"
        """
    },
    summary={"unknown_list_sizes": "'networks_with_unknown_list_sizes', count(*)"},
    summary_labels={"networks_with_unknown_list_sizes": "Networks with members lacking a list size"},
    labels={"unknown_list_sizes": "Some members have no list size"},
    counted_as={"unknown_list_sizes": "networks_with_unknown_list_sizes"},
    headline=lambda r: ("unknown_list_sizes", r["unknown_list_sizes"]),
    findings=lambda items: (("network", r["code"], "unknown_list_sizes") for r in items),
)
