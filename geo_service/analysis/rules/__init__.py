"""The rule registry: every rule the service checks, in the order it reports them.

Each rule is one module of this package holding a ``RULE`` (:class:`Rule`): its SQL, tier, summary counts and
their place in the nested summary, parameters, thresholds, sentences, flags and headline numbers. The modules
are discovered here (``pkgutil``), so adding a rule is adding its module. The API, CLI, CSV, maps, exports,
prints and home iterate :data:`RULES`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from typing import Any

from geo_service.analysis.rules.base import DETAIL, HEADLINE, TIERS, Finding, Flag, Headline, MapLayer, Rule


def _discover() -> tuple[Rule, ...]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule):
            found.append(rule)
    return tuple(sorted(found, key=lambda r: (r.position, r.key)))


RULES: tuple[Rule, ...] = _discover()
BY_KEY: dict[str, Rule] = {r.key: r for r in RULES}
assert len(BY_KEY) == len(RULES), "rule keys are unique"
assert all(r.tier in TIERS for r in RULES), "every rule names its tier"


def of_tier(tier: str) -> tuple[Rule, ...]:
    """The rules of one tier (headline or detail), in report order."""
    return tuple(r for r in RULES if r.tier == tier)


def select(keys: Iterable[str] | None = None) -> tuple[Rule, ...]:
    """The rules with these keys (all when None), in report order; an unknown key raises KeyError."""
    if keys is None:
        return RULES
    wanted = set(keys)
    unknown = sorted(wanted - set(BY_KEY))
    if unknown:
        raise KeyError(unknown[0])
    return tuple(r for r in RULES if r.key in wanted)


def all_queries(chosen: Iterable[Rule] | None = None) -> dict[str, str]:
    """Every item query of the chosen rules (default all), by name."""
    return {name: q for r in (RULES if chosen is None else chosen) for name, q in r.queries.items()}


def summary_queries(chosen: Iterable[Rule] | None = None, kept: bool = False) -> list[tuple[str, str]]:
    """(SQL, json_build_object arguments) for the summary statement, one per counted query; with ``kept``, the
    rules' queries over the kept facts where they have one."""
    out = []
    for r in RULES if chosen is None else chosen:
        sources = {**r.queries, **r.count_queries, **(r.kept_count_queries if kept else {})}
        out.extend((sources[name], agg) for name, agg in r.summary.items())
    return out


def finding_labels() -> dict[str, str]:
    return {k: v for r in RULES for k, v in r.labels.items()}


def summary_labels() -> dict[str, str]:
    return {k: v for r in RULES for k, v in r.summary_labels.items()}


def finding_keys(tier: str | None = None) -> frozenset[str]:
    """The finding keys of the rules of one tier (all when None): what headline views count."""
    return frozenset(k for r in RULES if tier is None or r.tier == tier for k in r.labels)


def map_layers() -> tuple[MapLayer, ...]:
    return tuple(layer for r in RULES for layer in r.map_layers)


def flags(tier: str | None = HEADLINE) -> tuple[Flag, ...]:
    """The flags panels and prints mark network rows with (headline rules' by default)."""
    return tuple(f for r in RULES if tier is None or r.tier == tier for f in r.flags)


def headlines() -> tuple[tuple[Rule, Headline], ...]:
    """(rule, headline) of every headline-tier rule, in report order: the numbers home shows."""
    return tuple((r, h) for r in of_tier(HEADLINE) for h in r.headlines)


def not_judged_entry(reason: str) -> dict[str, Any]:
    return {"judged": False, "reason": reason}


def nested_summary(
    flat: Mapping[str, Any], chosen: Iterable[Rule] | None = None, not_judged: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The nested summary of the chosen rules from flat counts: each flat key at the place its rule gives it
    (``Rule.placement``). A rule that cannot be judged for the date (``not_judged``: key -> reason) shows
    ``{"judged": false, "reason": ...}`` in place of each of its counts; a key naming a place in the summary
    (``cross_boundary_networks.member_location``) does so for that place only."""
    out: dict[str, Any] = {}
    not_judged = not_judged or {}
    for r in RULES if chosen is None else chosen:
        for key in r.flat_keys():
            for path in r.paths_of(key):
                reason = not_judged.get(r.key) or not_judged.get(".".join(path))
                value = not_judged_entry(reason) if reason else flat.get(key, 0)
                node = out
                for part in path[:-1]:
                    node = node.setdefault(part, {})
                node[path[-1]] = value
    return out


def by_tier(
    flat: Mapping[str, Any], chosen: Iterable[Rule] | None = None, not_judged: Mapping[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """{"headline": {rule key: {flat key: count}}, "detail": {...}}: the same counts grouped by tier."""
    out: dict[str, dict[str, Any]] = {tier: {} for tier in TIERS}
    not_judged = not_judged or {}
    for r in RULES if chosen is None else chosen:
        if r.key in not_judged:
            out[r.tier][r.key] = not_judged_entry(not_judged[r.key])
        else:
            out[r.tier][r.key] = {
                key: next(
                    (not_judged_entry(not_judged[".".join(p)]) for p in r.paths_of(key) if ".".join(p) in not_judged),
                    flat.get(key, 0),
                )
                for key in r.flat_keys()
            }
    return out


__all__ = [
    "RULES",
    "BY_KEY",
    "HEADLINE",
    "DETAIL",
    "TIERS",
    "of_tier",
    "select",
    "Rule",
    "MapLayer",
    "Flag",
    "Headline",
    "Finding",
    "all_queries",
    "summary_queries",
    "finding_labels",
    "summary_labels",
    "map_layers",
    "finding_keys",
    "flags",
    "headlines",
    "nested_summary",
    "by_tier",
    "not_judged_entry",
]
