"""What a planner asks the findings browser for: rule (or finding, or summary key), tier, area, network,
commissioner, sort and page, parsed and checked once (a bad value is a 400 naming it)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from geo_service.analysis import rules
from geo_service.errors import InvalidParameter

TIER_CHOICES = ("headline", "detail", "all")
DEFAULT_TIER = "headline"
PER_PAGE = 50
MAX_PER_PAGE = 500

SORTS: dict[str, str] = {
    "rule": "Rule",
    "name": "Name",
    "code": "Code",
    "area": "Area",
    "network": "Network",
    "commissioner": "Commissioner",
    "value": "Figure (list size, population, …)",
    # Issue 25: the subject's profile (networks and practices).
    "deprivation": "Deprivation (IMD 2019 score)",
    "share_aged_65_plus": "Share aged 65+",
    "weighted_patients": "Weighted patients",
    "extended_hours_paid_share": "Extended-hours coverage",
}
DEFAULT_SORT = "rule"


@dataclasses.dataclass(frozen=True)
class Filters:
    """What the planner asked for: parsed and checked once (:func:`parse_filters`)."""

    rule: str | None = None  # a rule key of the registry
    finding: str | None = None  # a finding key of that rule
    tier: str = DEFAULT_TIER
    area: str | None = None  # ODS or GSS code, in ``boundary_set``
    boundary_set: str | None = None
    network: str | None = None
    commissioner: str | None = None
    sort: str = DEFAULT_SORT
    descending: bool = False
    page: int = 1
    per_page: int = PER_PAGE

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "finding": self.finding,
            "tier": self.tier,
            "area": self.area,
            "boundary_set": self.boundary_set,
            "network": self.network,
            "commissioner": self.commissioner,
            "sort": ("-" if self.descending else "") + self.sort,
        }

    def query(self, **changes: Any) -> dict[str, Any]:
        """The filters as query values (only those set), with ``changes`` applied: for links between pages."""
        values = {**self.as_dict(), "page": self.page, "per_page": self.per_page, **changes}
        if values.get("sort") == DEFAULT_SORT:
            values.pop("sort")
        if values.get("page") == 1:
            values.pop("page")
        if values.get("per_page") == PER_PAGE:
            values.pop("per_page")
        if values.get("rule") and values.get("tier") == _tier_of(values["rule"]):
            values.pop("tier")
        elif values.get("tier") == DEFAULT_TIER:
            values.pop("tier")
        return {k: v for k, v in values.items() if v not in (None, "")}


def _finding_rules() -> dict[str, rules.Rule]:
    return {key: r for r in rules.RULES for key in r.labels}


def _summary_findings() -> dict[str, str]:
    """Flat summary key (``undersized_networks``, as home and the checks summary name a count) -> finding key."""
    return {summary: finding for r in rules.RULES for finding, summary in r.counted_as.items()}


def _known_word(low: str) -> str | None:
    """A rule key, finding key or summary key (also the nested ``cross_boundary_networks.administrative``) as the
    rule or finding key it names; None when it names none."""
    by_finding = _finding_rules()
    by_summary = _summary_findings()
    candidates = [low]
    if "." in low:
        head, _, tail = low.rpartition(".")
        candidates += [tail, f"{head.removesuffix('_networks').removesuffix('_practices')}_{tail}"]
    for word in candidates:
        if word in rules.BY_KEY or word in by_finding:
            return word
        if word in by_summary:
            return by_summary[word]
    return None


def _tier_of(rule_key: str) -> str | None:
    r = rules.BY_KEY.get(rule_key)
    return r.tier if r else None


def rule_choices() -> list[dict[str, Any]]:
    """Every rule with its tier, label and findings, in report order (for forms and the API document)."""
    out = []
    for r in rules.RULES:
        labels = dict(r.labels)
        out.append(
            {
                "rule": r.key,
                "tier": r.tier,
                "label": rule_label(r),
                "findings": [{"finding": k, "label": v} for k, v in labels.items()],
            }
        )
    return out


def rule_label(r: rules.Rule) -> str:
    """A short name for a rule: its summary label when it counts one thing, else its key in words."""
    labels = list(r.summary_labels.values())
    if len(labels) == 1:
        return labels[0]
    return r.key.replace("_", " ").capitalize()


def _int(name: str, raw: Any, default: int, low: int, high: int | None) -> int:
    if raw is None or str(raw).strip() == "":
        return default
    text = str(raw).strip()
    if not text.isdigit():
        raise InvalidParameter(name, f"'{name}' must be a whole number, got '{text[:40]}'.")
    value = int(text)
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise InvalidParameter(name, f"'{name}' must be {bound}, got {value}.")
    return value


def _text(raw: Any) -> str | None:
    text = str(raw).strip() if raw is not None else ""
    return text or None


def parse_filters(raw: Mapping[str, Any]) -> Filters:
    """Filters from query values (``rule``, ``finding``, ``tier``, ``area``, ``boundary_set``, ``network``,
    ``commissioner``, ``sort``, ``page``, ``per_page``); a bad value raises InvalidParameter naming it.

    ``rule`` takes a rule key (``orphaned_practices``), a finding key (``orphaned``, ``undersized``: the words
    planners search for) or a summary key (``undersized_networks``, ``cross_boundary_networks.administrative``:
    the counts home shows). ``tier`` defaults to the rule's own, else headline."""
    by_finding = _finding_rules()
    rule = _text(raw.get("rule"))
    finding = _text(raw.get("finding"))
    if rule is not None:
        low = _known_word(rule.lower().replace("-", "_")) or rule.lower()
        if low in rules.BY_KEY:
            rule = low
        elif low in by_finding:
            finding = finding or low
            rule = by_finding[low].key
        else:
            allowed = [r.key for r in rules.RULES] + sorted(by_finding)
            raise InvalidParameter(
                "rule", f"No rule or finding '{rule}'. Choose one of: {', '.join(allowed)}.", allowed=allowed
            )
    if finding is not None:
        finding = finding.lower().replace("-", "_")
        owner = by_finding.get(finding)
        if owner is None or (rule is not None and owner.key != rule):
            allowed = sorted(rules.BY_KEY[rule].labels) if rule else sorted(by_finding)
            raise InvalidParameter(
                "finding", f"No finding '{finding}'. Choose one of: {', '.join(allowed)}.", allowed=allowed
            )
        rule = owner.key
    tier = _text(raw.get("tier"))
    if tier is None:
        tier = _tier_of(rule) if rule else DEFAULT_TIER
    tier = tier.lower()
    if tier not in TIER_CHOICES:
        raise InvalidParameter(
            "tier", f"'tier' must be one of {', '.join(TIER_CHOICES)}, got '{tier[:40]}'.", allowed=list(TIER_CHOICES)
        )
    if rule is not None and tier != "all" and _tier_of(rule) != tier:
        tier = _tier_of(rule) or tier  # a rule names its own tier
    sort = (_text(raw.get("sort")) or DEFAULT_SORT).lower()
    descending = sort.startswith("-")
    sort = sort.lstrip("-")
    if sort not in SORTS:
        allowed = [*SORTS, *(f"-{s}" for s in SORTS)]
        raise InvalidParameter(
            "sort", f"'sort' must be one of {', '.join(SORTS)} (a leading '-' sorts descending).", allowed=allowed
        )
    return Filters(
        rule=rule,
        finding=finding,
        tier=tier,
        area=_text(raw.get("area")),
        boundary_set=_text(raw.get("boundary_set")),
        network=_text(raw.get("network")),
        commissioner=_text(raw.get("commissioner")),
        sort=sort,
        descending=descending,
        page=_int("page", raw.get("page"), 1, 1, None),
        per_page=_int("per_page", raw.get("per_page"), PER_PAGE, 1, MAX_PER_PAGE),
    )


def findings_query(**filters: Any) -> dict[str, Any]:
    """Query values for a findings link (``rule``, ``area``, ``boundary_set``, ``network``, ``commissioner``,
    ``tier``, ``sort``...): checked as the browser would check them, only those set."""
    parsed = parse_filters({k: v for k, v in filters.items() if v is not None})
    return Filters(**{**dataclasses.asdict(parsed), "page": 1, "per_page": PER_PAGE}).query()
