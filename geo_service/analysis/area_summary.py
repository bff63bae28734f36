"""What an area holds, once, from the rule engine: the one source of the area map, its panel and its print.

Issue 11: the area map, its side panel, the checks API, the CSV and the print must give the same counts for
the same scope. Each of them reads :func:`area_summary`: one engine run in the scope (its summary counts and
findings, :func:`geo_service.analysis.service.run_checks_in`) and the networks the engine judged
(:func:`geo_service.analysis.service.networks_in`), kept per data state and scope. Nothing here counts
networks or practices on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from geo_service.analysis import rules, service
from geo_service.analysis.findings import FINDING_LABELS
from geo_service.caching import LRUCache, scope_state
from geo_service.scope import Scope

# Flags a network row of the panel and print carries (the headline rules' ``Rule.flags``), with the symbol
# shown beside the text (never colour alone).
FLAGS: dict[str, rules.Flag] = {f.key: f for f in rules.flags()}
FLAG_SYMBOLS = {key: f.symbol for key, f in FLAGS.items()}


def flag_count_key(flag: rules.Flag) -> str:
    """The counts key of a flag: the summary key it counts, else ``<flag>_networks`` (rows flagged)."""
    return flag.counted_as or f"{flag.key}_networks"


@dataclass(frozen=True)
class Thresholds:
    """The population band and dominance share the checks used (the scenario's, else the defaults)."""

    min: int
    max: int
    dominance: float

    def band_text(self) -> str:
        return f"{self.min:,}–{self.max:,} patients"

    def dominance_text(self) -> str:
        return f"largest member over {percent(self.dominance)} of the population"


@dataclass
class NetworkRow:
    """One network of the area as the checks judged it."""

    code: str
    name: str
    lead: str | None
    member_count: int
    population: int
    unknown_list_sizes: int
    largest_code: str | None
    largest_name: str | None
    largest_list_size: int | None
    findings: list[str] = field(default_factory=list)

    @property
    def largest_share(self) -> float | None:
        if not self.population or self.largest_list_size is None:
            return None
        return self.largest_list_size / self.population

    @property
    def flags(self) -> list[str]:
        """Flag keys the panel and print mark (the headline rules' flags; cross-boundary as one flag for both
        of its kinds)."""
        found = set(self.findings)
        return [key for key, f in FLAGS.items() if f.findings & found]


@dataclass
class AreaSummary:
    scope: Scope
    summary: dict
    thresholds: Thresholds
    networks: list[NetworkRow]
    network_findings: dict[str, list[str]]
    practice_findings: dict[str, list[str]]
    result: dict | None = None  # the engine run itself: its items feed the written findings (analysis.wording)

    def counts(self) -> dict[str, int]:
        """The headline counts every view of the area shows (names as in the checks API summary): each headline
        rule's top-level counts, and each flag's networks; detail (geometry, data gaps) is one click away."""
        s = self.summary
        out: dict[str, int] = {"networks": s["networks"], "practices": s["practices"]}
        for _rule, headline in rules.headlines():
            if len(headline.path) == 1 and isinstance(s.get(headline.path[0]), int):
                out[headline.path[0]] = s[headline.path[0]]
        for f in FLAGS.values():
            key = flag_count_key(f)
            if key not in out:
                out[key] = sum(1 for r in self.networks if f.key in r.flags)
        return out

    def population(self) -> int:
        return sum(r.population for r in self.networks)

    def flagged(self, flag: str) -> list[NetworkRow]:
        return [r for r in self.networks if flag in r.flags]


def percent(share: float | None) -> str:
    """0.5573 → '55.7 %' (the house style for shares)."""
    return "not known" if share is None else f"{share * 100:.1f} %"


def flag_label(flag: str, row: NetworkRow, thresholds: Thresholds) -> str:
    """A flag as short plain text with its threshold: 'Below 30,000', 'Largest member 55.7 %' (the rule's
    ``Flag.text``)."""
    f = FLAGS.get(flag)
    if f is not None:
        return f.text(row, thresholds)
    return FINDING_LABELS.get(flag, flag.replace("_", " "))


def _findings_by(items: dict[str, list[dict]]) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    order = list(FINDING_LABELS)
    found: dict[str, dict[str, set[str]]] = {"network": {}, "practice": {}}
    for r in rules.RULES:
        for subject, code, key in r.findings(items[r.key]):
            if subject in found:
                found[subject].setdefault(code, set()).add(key)

    def ordered(d: dict[str, set[str]]) -> dict[str, list[str]]:
        return {c: sorted(k, key=lambda x: order.index(x) if x in order else len(order)) for c, k in sorted(d.items())}

    return ordered(found["network"]), ordered(found["practice"])


_SUMMARIES: LRUCache[AreaSummary] = LRUCache(32)


def area_summary(conn, scope: Scope) -> AreaSummary:
    """The engine's view of the scope (an area, or the whole boundary set): counts, findings, every network."""
    key = (*scope_state(conn, scope), scope.key())

    def build() -> AreaSummary:
        result = service.run_checks_in(conn, scope)
        nf, pf = _findings_by(result["items"])
        p = result["parameters"]
        thresholds = Thresholds(int(p["min"]), int(p["max"]), float(p["dominance"]))
        rows = [
            NetworkRow(
                code=r["code"],
                name=r["name"],
                lead=r["lead_commissioner_code"],
                member_count=int(r["member_count"]),
                population=int(r["population"] or 0),
                unknown_list_sizes=int(r["unknown_list_sizes"] or 0),
                largest_code=r["largest_code"],
                largest_name=r["largest_name"],
                largest_list_size=r["largest_list_size"],
                findings=nf.get(r["code"], []),
            )
            for r in service.networks_in(conn, scope)
        ]
        return AreaSummary(scope, result["summary"], thresholds, rows, nf, pf, result)

    return _SUMMARIES.get_or_build(key, build)
