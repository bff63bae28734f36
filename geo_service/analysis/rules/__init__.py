"""The rule registry: every rule the service checks, in the order it reports them.

The API, CLI, CSV, maps, exports and prints iterate :data:`RULES`; each rule is one module of this package.
"""

from __future__ import annotations

from geo_service.analysis.rules import (
    cross_boundary,
    data_gaps,
    dominance,
    empty_networks,
    extended_hours,
    geometry,
    multiply_assigned,
    orphaned,
    size_band,
    unknown_list_sizes,
)
from geo_service.analysis.rules.base import DETAIL, HEADLINE, TIERS, Finding, MapLayer, Rule

RULES: tuple[Rule, ...] = (
    orphaned.RULE,
    multiply_assigned.RULE,
    empty_networks.RULE,
    cross_boundary.RULE,
    size_band.RULE,
    dominance.RULE,
    extended_hours.RULE,
    geometry.RULE,
    data_gaps.RULE,
    unknown_list_sizes.RULE,
)
BY_KEY: dict[str, Rule] = {r.key: r for r in RULES}
assert all(r.tier in TIERS for r in RULES), "every rule names its tier"


def of_tier(tier: str) -> tuple[Rule, ...]:
    """The rules of one tier (headline or detail), in report order."""
    return tuple(r for r in RULES if r.tier == tier)


def all_queries() -> dict[str, str]:
    """Every item query of every rule, by name."""
    return {name: q for r in RULES for name, q in r.queries.items()}


def summary_queries() -> list[tuple[str, str]]:
    """(SQL, json_build_object arguments) for the summary statement, one per counted query."""
    out = []
    for r in RULES:
        sources = {**r.queries, **r.count_queries}
        out.extend((sources[name], agg) for name, agg in r.summary.items())
    return out


def finding_labels() -> dict[str, str]:
    return {k: v for r in RULES for k, v in r.labels.items()}


def summary_labels() -> dict[str, str]:
    return {k: v for r in RULES for k, v in r.summary_labels.items()}


def map_layers() -> tuple[MapLayer, ...]:
    return tuple(layer for r in RULES for layer in r.map_layers)


__all__ = [
    "RULES",
    "BY_KEY",
    "HEADLINE",
    "DETAIL",
    "TIERS",
    "of_tier",
    "Rule",
    "MapLayer",
    "Finding",
    "all_queries",
    "summary_queries",
    "finding_labels",
    "summary_labels",
    "map_layers",
]
