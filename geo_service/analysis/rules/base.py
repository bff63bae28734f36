"""What a rule is: one module per rule, each a :class:`Rule` in the registry (``rules.RULES``).

A rule holds its SQL (``queries``: SELECTs over the shared CTEs of the checks statement), its summary
counts (``summary``: per query, ``json_build_object`` arguments aggregating that query's rows ``x``), its
labels, how its rows become items, and which network / practice / area each finding names. The API,
CLI, CSV, maps, exports and prints iterate the registry, so adding a rule touches one file (and its test).

Placeholders in the SQL, filled by the repository from the scope fragments: ``{current}`` (a membership
``m`` is current on ``as_of``), ``{in_area}`` (practice-state row ``ps`` is in the area), ``{in_scope}``
(``ps`` is an active GP practice of the scope's nation). Shared CTEs: ``ps`` (practice state as of the
scope), ``scoped`` (networks in scope), ``members`` (their current members), ``population`` (per network).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from geo_service.analysis.parameter_spec import Spec

# (subject, code, finding key): subject is "network", "practice" or "area".
Finding = tuple[str, str, str]

# A rule's tier: headline rules are what home, overview colours, red outlines, area panels, the top of network
# pages and page 1 of prints count; detail rules (geometry, data gaps) are one click away.
HEADLINE = "headline"
DETAIL = "detail"
TIERS = (HEADLINE, DETAIL)


def _rows_of(*names: str) -> Callable[[dict], list[dict]]:
    def combine(raw: dict) -> list[dict]:
        return [row for name in names for row in raw[name]]

    return combine


@dataclass(frozen=True)
class MapLayer:
    """A network finding the area maps can show as a layer of its own."""

    finding: str
    title: str
    colour: str
    dash: str
    shown: bool  # on when the page opens


@dataclass(frozen=True)
class Flag:
    """A mark a network row carries on area panels and prints (symbol and short text, never colour alone)."""

    key: str  # the flag's key ("undersized", "cross_boundary")
    symbol: str
    findings: frozenset[str]  # network finding keys that raise it
    text: Callable[[Any, Any], str]  # (network row, thresholds) -> "Below 30,000"
    counted_as: str | None = None  # the area counts' key this flag counts (default: the summary's own count)


@dataclass(frozen=True)
class Headline:
    """One headline number of a rule on home (and the top of pages): where it sits in the summary, its words.

    ``finding`` is the finding key it counts, ``rule`` (filled by the registry) the rule's key: together they
    name the filtered list of findings the number links to."""

    path: tuple[str, ...]  # place in the nested summary
    label: Callable[[Mapping[str, Any]], str]  # parameters -> "networks under 30,000 patients"
    finding: str


@dataclass(frozen=True)
class Rule:
    key: str  # the item key in results (``orphaned_practices``)
    tier: str  # HEADLINE or DETAIL
    explanation: str
    queries: Mapping[str, str]
    summary: Mapping[str, str]  # query name (in queries or count_queries) -> json_build_object arguments
    summary_labels: Mapping[str, str]  # flat summary key -> label
    labels: Mapping[str, str]  # finding key -> label
    counted_as: Mapping[str, str]  # finding key -> flat summary key (distinct codes are counted)
    findings: Callable[[list[dict]], Iterable[Finding]]
    headline: Callable[[dict], tuple[str, object]]  # one item -> (finding key, headline value) for CSV/tables
    count_queries: Mapping[str, str] = field(default_factory=dict)  # cheaper SQL used for summaries only
    # The same counts over the kept per-scenario facts (shared CTE ``kept_nearest``), used in their place when the
    # kept facts were built for the request's scope (``analysis_checks.kept_state``).
    kept_count_queries: Mapping[str, str] = field(default_factory=dict)
    combine: Callable[[dict], list[dict]] | None = None  # raw rows -> items (default: all queries' rows)
    extra_counts: Callable[[list[dict]], dict[str, int]] | None = None  # summary keys not counted by code
    map_layers: tuple[MapLayer, ...] = ()
    practice_keys: frozenset[str] = frozenset()  # finding keys that name practices (the rest: networks)
    area_keys: frozenset[str] = frozenset()  # finding keys that name areas
    # Where each flat summary key sits in the nested summary (one or more paths); default: at the top, as is.
    placement: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    parameters: Mapping[str, Spec] = field(default_factory=dict)  # the parameters this rule reads, declared here
    # parameters -> [(label, value)]: the thresholds this rule used, written for people beside its findings
    thresholds: Callable[[Any], list[tuple[str, str]]] | None = None
    # (item, parameters, names) -> wording.FindingText: the plain-English sentence and evidence of one item
    describe: Callable[[Mapping[str, Any], Any, Mapping[str, str]], Any] | None = None
    flags: tuple[Flag, ...] = ()  # marks on panel rows and print lists
    headlines: tuple[Headline, ...] = ()  # numbers on home (headline-tier rules)
    position: int = 1000  # where it is reported among the rules (lower first)

    def flat_keys(self) -> tuple[str, ...]:
        """Every flat summary key this rule counts (labelled ones, then extra counts it places)."""
        return tuple(dict.fromkeys([*self.summary_labels, *self.placement]))

    def paths_of(self, flat_key: str) -> tuple[tuple[str, ...], ...]:
        return self.placement.get(flat_key, ((flat_key,),))

    def subject_of(self, finding: str) -> str:
        if finding in self.practice_keys:
            return "practice"
        if finding in self.area_keys:
            return "area"
        return "network"

    def items(self, raw: dict) -> list[dict]:
        return (self.combine or _rows_of(*self.queries))(raw)

    def finding_codes(self, items: list[dict]) -> dict[str, set[str]]:
        """The codes found per flat summary key (distinct network, practice or area codes)."""
        found: dict[str, set[str]] = {k: set() for k in self.summary_labels}
        for _subject, code, finding in self.findings(items):
            target = self.counted_as.get(finding)
            if target is not None:
                found[target].add(code)
        return found

    def summary_from_items(self, items: list[dict]) -> dict[str, int]:
        """Flat summary counts from items (the same numbers the summary SQL gives)."""
        counts = {k: len(v) for k, v in self.finding_codes(items).items()}
        if self.extra_counts is not None:
            counts.update(self.extra_counts(items))
        return counts
