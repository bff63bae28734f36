"""The findings browser: every finding of a scenario as one flat, filterable, sortable, paged list.

A planner's main list (issue 19): each row names its practice, network or area (name beside code), says what is
wrong in the plain-English sentence of :mod:`geo_service.analysis.wording`, and carries the area it lies in (in the
chosen boundary set, any level), its networks, its commissioner and the map that shows it. The same rows feed
the page, the JSON API, CSV and GeoPackage, so they always agree. No Flask here: the web layer builds URLs.

How a row is made: the rule engine (:func:`geo_service.analysis.service.run_checks_in`) is run once per scope
and tier, on the whole scenario (no area), and each item of each rule becomes one row whose subject is the
finding the item names first under its own code (an overlap of A and B is A's row, naming B in its
sentence). Rows are kept per data state, scope, parameters and tier, so filters, sorting and paging read memory.

Area filter: a practice lies in the area it is located in and in its commissioner's area; a network in its lead
commissioner's area and in the areas of each current member (the engine's own "in the area", see
``db.repositories.scope``): the counts per area are exactly what filtering by that area gives.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from geo_service.analysis import described, rules, service, wording
from geo_service.caching import LRUCache, data_state
from geo_service.csv_output import csv_text
from geo_service.db.repositories import findings_browser as repo
from geo_service.errors import InvalidParameter
from geo_service.scope import Scope, resolve_scope

log = logging.getLogger(__name__)

TIER_CHOICES = ("headline", "detail", "all")
DEFAULT_TIER = "headline"
PER_PAGE = 50
MAX_PER_PAGE = 500
HULL_BUFFER_M = 400.0  # as the maps and exports draw a network without a polygon

SORTS: dict[str, str] = {
    "rule": "Rule",
    "name": "Name",
    "code": "Code",
    "area": "Area",
    "network": "Network",
    "commissioner": "Commissioner",
    "value": "Figure (list size, population, …)",
}
DEFAULT_SORT = "rule"

CSV_HEADER = (
    "rule",
    "tier",
    "finding",
    "finding_label",
    "subject",
    "code",
    "name",
    "sentence",
    "area_code",
    "area_name",
    "network_codes",
    "network_names",
    "commissioner_code",
    "commissioner_name",
    "figure",
    "lon",
    "lat",
    "map_url",
)


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


@dataclasses.dataclass(frozen=True)
class FindingRow:
    """One finding, flat: what the list, the map, CSV and GeoPackage show."""

    rule: str
    tier: str
    finding: str
    label: str
    subject: str  # practice, network or area
    code: str
    name: str | None
    sentence: str
    area_code: str | None
    area_name: str | None
    areas: tuple[str, ...]  # every area it lies in (the area filter)
    networks: tuple[tuple[str, str | None], ...]  # (code, name) of its networks (a network: itself)
    commissioner_code: str | None
    commissioner_name: str | None
    value: Any  # the rule's headline figure (list size, population, count...), for sorting
    value_text: str
    lon: float | None
    lat: float | None
    map_kind: str | None  # "network" or "area": the map that shows it
    map_code: str | None
    order: int  # position in the engine's report order

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "tier": self.tier,
            "finding": self.finding,
            "label": self.label,
            "subject": self.subject,
            "code": self.code,
            "name": self.name,
            "sentence": self.sentence,
            "area": {"code": self.area_code, "name": self.area_name} if self.area_code else None,
            "networks": [{"code": c, "name": n} for c, n in self.networks],
            "commissioner": (
                {"code": self.commissioner_code, "name": self.commissioner_name} if self.commissioner_code else None
            ),
            "figure": _plain(self.value),
            "figure_text": self.value_text,
            "figure_label": figure_label(self.finding),
            "lon": self.lon,
            "lat": self.lat,
            "map": {"kind": self.map_kind, "code": self.map_code} if self.map_kind else None,
        }


# ---- input -----------------------------------------------------------------------------------------------


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


# ---- the engine, one tier at a time -----------------------------------------------------------------------


def run_rules(conn, scope: Scope, params: Mapping[str, Any] | None, wanted: Sequence[rules.Rule]) -> dict[str, Any]:
    """The engine's full result for the ``wanted`` rules only (only their SQL runs)."""
    return service.run_checks_in(conn, scope, dict(params or {}), "full", rule_keys=[r.key for r in wanted])


def rules_of(tier: str) -> tuple[rules.Rule, ...]:
    return tuple(rules.RULES) if tier == "all" else rules.of_tier(tier)


def _primary(rule: rules.Rule, item: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """The finding an item is about: the one naming the item's own code, else its first."""
    found = list(rule.findings([dict(item)]))
    if not found:
        return None
    own = str(item.get("code"))
    for subject, code, key in found:
        if str(code) == own:
            return subject, str(code), key
    subject, code, key = found[0]
    return subject, str(code), key


# What each finding's headline figure (``Rule.headline``) is, and how to write it: finding key -> (label, format).
FIGURES: dict[str, tuple[str, Callable[[Any], str]]] = {
    "orphaned": ("List size", wording.count),
    "undersized": ("Population", wording.count),
    "oversized": ("Population", wording.count),
    "dominated": ("Largest member's share", wording.percent),
    "extended_hours_gap": ("Patients covered", wording.percent),
    "multiply_assigned": ("Networks", wording.count),
    "cross_boundary_administrative": ("Commissioners", wording.count),
    "cross_boundary_member_location": ("Areas", wording.count),
    "overlapping": ("Overlap", wording.km2),
    "area_gap": ("Uncovered", wording.km2),
    "outside_network_polygon": ("Distance outside", wording.metres),
    "catchment_spill": ("Outside its main area", wording.percent),
    "unknown_list_sizes": ("Members without a list size", wording.count),
    "no_list_size": ("List size dated", wording.day),
    "stale_list_size": ("List size dated", wording.day),
    "no_location": ("List size dated", wording.day),
    "not_in_register": ("List size dated", wording.day),
}


def figure_label(finding: str) -> str:
    return FIGURES[finding][0] if finding in FIGURES else "Figure"


def _figure(finding: str, value: Any) -> str:
    if value is None or value == "" or finding == "empty":
        return ""
    if finding in FIGURES:
        text = FIGURES[finding][1](value)
        return "" if text == wording.NOT_KNOWN else text
    return _figure_text(value)


def _figure_text(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, (dt.date, dt.datetime)):
        return wording.day(value)
    if isinstance(value, str):
        try:
            return wording.day(dt.date.fromisoformat(value[:10])) if len(value) >= 10 and value[4] == "-" else value
        except ValueError:
            return value
    if isinstance(value, bool):
        return wording.yes_no(value)
    if isinstance(value, (int, float, Decimal)):
        v = float(value)
        if math.isfinite(v) and v == round(v):
            return wording.count(v)
        return f"{v:,.4g}" if abs(v) < 1 else f"{v:,.1f}"
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def _sort_value(value: Any) -> tuple[int, Any]:
    """Numbers and dates order among themselves; anything else after them, as text."""
    if isinstance(value, bool) or value is None:
        return (2, "")
    if isinstance(value, (int, float, Decimal)):
        return (0, float(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return (1, value.isoformat())
    return (1, str(value))


def build_rows(conn, scope: Scope, params: Mapping[str, Any] | None, tier: str) -> list[FindingRow]:
    """Every finding of the tier's rules in the (area-less) scope, as rows in the engine's report order."""
    wanted = rules_of(tier)
    result = run_rules(conn, scope, params, wanted)
    items = result["items"]
    run_params = result.get("parameters")
    names = described.names_for(conn, items, scope.boundary_set["id"])
    picked: list[tuple[rules.Rule, Mapping[str, Any], tuple[str, str, str]]] = []
    for r in wanted:
        for item in items.get(r.key, []):
            primary = _primary(r, item)
            if primary is not None:
                picked.append((r, item, primary))
    codes: dict[str, set[str]] = {"practice": set(), "network": set(), "area": set()}
    for _r, _item, (subject, code, _key) in picked:
        codes.setdefault(subject, set()).add(code)
    found = repo.subjects(
        conn, scope.values(), sorted(codes["practice"]), sorted(codes["network"]), sorted(codes["area"])
    )
    subjects = {(s["subject"], s["code"]): s for s in found}
    area_names = {a["code"]: a["name"] for a in repo.area_options(conn, scope.boundary_set["id"])}
    extra = {s["commissioner"] for s in found if s.get("commissioner")} - set(names)
    if extra:
        names = {**names, **described.names_for(conn, {"_": [{"commissioner_code": c} for c in extra]})}
    rows: list[FindingRow] = []
    for order, (r, item, (subject, code, key)) in enumerate(picked):
        facts = subjects.get((subject, code)) or {}
        text = wording.describe(r.key, item, run_params, names)
        networks = _networks_of(subject, item, facts)
        commissioner = (
            item.get("commissioner_code")
            if subject == "practice" and item.get("commissioner_code")
            else item.get("lead_commissioner_code")
            if subject == "network" and item.get("lead_commissioner_code")
            else facts.get("commissioner")
        )
        area = facts.get("area")
        try:
            value = r.headline(dict(item))[1]
        except (KeyError, TypeError, IndexError):
            value = None
        map_kind, map_code = _map_of(subject, code, networks, area)
        rows.append(
            FindingRow(
                rule=r.key,
                tier=r.tier,
                finding=key,
                label=wording.label(key),
                subject=subject,
                code=code,
                name=item.get("name") if str(item.get("code")) == code else facts.get("name"),
                sentence=text.sentence,
                area_code=area,
                area_name=area_names.get(area) if area else None,
                areas=tuple(facts.get("areas") or ()),
                networks=networks,
                commissioner_code=commissioner,
                commissioner_name=names.get(commissioner) if commissioner else None,
                value=value,
                value_text=_figure(key, value),
                lon=facts.get("lon"),
                lat=facts.get("lat"),
                map_kind=map_kind,
                map_code=map_code,
                order=order,
            )
        )
    return rows


def _networks_of(subject: str, item: Mapping[str, Any], facts: Mapping[str, Any]) -> tuple[tuple[str, str | None], ...]:
    if subject == "practice" and item.get("network_code"):
        return ((str(item["network_code"]), item.get("network_name")),)
    out = []
    for n in facts.get("networks") or []:
        out.append((str(n.get("code")), n.get("name")))
    return tuple(out)


def _map_of(subject: str, code: str, networks, area: str | None) -> tuple[str | None, str | None]:
    if subject == "network":
        return "network", code
    if subject == "area":
        return "area", code
    if len(networks) == 1:
        return "network", networks[0][0]
    return ("area", area) if area else (None, None)


# ---- filter, count, sort, page ---------------------------------------------------------------------------


def _matches(row: FindingRow, f: Filters, area_key: str | None, *, skip: str = "") -> bool:
    if skip != "rule":
        if f.rule is not None and row.rule != f.rule:
            return False
        if f.finding is not None and row.finding != f.finding:
            return False
    if skip != "area" and area_key is not None and area_key not in row.areas:
        return False
    if f.network is not None and f.network.upper() not in {c.upper() for c, _ in row.networks}:
        return False
    if f.commissioner is not None and (row.commissioner_code or "").upper() != f.commissioner.upper():
        return False
    return True


def _missing(r: FindingRow, sort: str) -> bool:
    """Rows without the value sorted on: they go last whichever the direction."""
    value = {
        "name": r.name,
        "area": r.area_name,
        "network": r.networks[0][1] if r.networks else None,
        "commissioner": r.commissioner_name or r.commissioner_code,
        "value": None if isinstance(r.value, bool) else r.value,
    }.get(sort, r.code)
    return value is None or value == ""


def _sort_key(sort: str) -> Callable[[FindingRow], Any]:
    def text(v: str | None) -> str:
        return v.casefold() if v else ""

    keys: dict[str, Callable[[FindingRow], Any]] = {
        "rule": lambda r: r.order,
        "name": lambda r: (text(r.name), r.code),
        "code": lambda r: r.code,
        "area": lambda r: (text(r.area_name), r.order),
        "network": lambda r: (text(r.networks[0][1] if r.networks else None), r.order),
        "commissioner": lambda r: (text(r.commissioner_name or r.commissioner_code), r.order),
        "value": lambda r: (_sort_value(r.value), r.order),
    }
    return keys[sort]


def select(rows: Iterable[FindingRow], f: Filters, area_key: str | None) -> list[FindingRow]:
    """The rows the filters keep, sorted; rows without the value sorted on last whichever the direction (in
    report order)."""
    kept = [r for r in rows if _matches(r, f, area_key)]
    present = [r for r in kept if not _missing(r, f.sort)]
    absent = [r for r in kept if _missing(r, f.sort)]
    present.sort(key=_sort_key(f.sort), reverse=f.descending)
    absent.sort(key=lambda r: r.order)
    return present + absent


def counts(rows: Sequence[FindingRow], f: Filters, area_key: str | None, area_names: Mapping[str, str]) -> dict:
    """Counts per rule (and finding) under every filter but the rule, and per area under every filter but the
    area: what each choice of the form would give."""
    by_rule: Counter[str] = Counter()
    by_finding: Counter[str] = Counter()
    for r in rows:
        if _matches(r, f, area_key, skip="rule"):
            by_rule[r.rule] += 1
            by_finding[r.finding] += 1
    by_area: Counter[str] = Counter()
    for r in rows:
        if _matches(r, f, area_key, skip="area"):
            by_area.update(set(r.areas))
    rule_counts = []
    for r in rules_of(f.tier):
        rule_counts.append(
            {
                "rule": r.key,
                "tier": r.tier,
                "label": rule_label(r),
                "count": by_rule.get(r.key, 0),
                "findings": [
                    {"finding": k, "label": v, "count": by_finding.get(k, 0)}
                    for k, v in r.labels.items()
                    if by_finding.get(k, 0) or k == f.finding
                ],
            }
        )
    area_counts = [
        {"code": code, "name": area_names.get(code), "count": n}
        for code, n in sorted(by_area.items(), key=lambda kv: (-kv[1], area_names.get(kv[0]) or kv[0]))
    ]
    return {"rules": rule_counts, "areas": area_counts}


# ---- the one entry point ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Browse:
    """A filtered view of a scenario's findings: the page's rows and everything the page, API and files show."""

    scope: Scope
    filters: Filters
    area: dict | None
    rows: list[FindingRow]  # every row the filters keep, sorted
    tier_total: int
    counts: dict
    area_options: list[dict]
    boundary_sets: list[dict]
    data_version: int
    parameters: dict

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.filters.per_page))

    def page_rows(self) -> list[FindingRow]:
        start = (self.filters.page - 1) * self.filters.per_page
        return self.rows[start : start + self.filters.per_page]

    def as_dict(self, link: Callable[[FindingRow], str | None] | None = None) -> dict[str, Any]:
        f = self.filters
        page_rows = []
        for r in self.page_rows():
            d = r.as_dict()
            if link is not None:
                d["map_url"] = link(r)
            page_rows.append(d)
        return {
            "scenario": {"slug": self.scope.scenario["slug"], "name": self.scope.scenario["name"]},
            "boundary_set": {k: self.scope.boundary_set[k] for k in ("slug", "name", "level")},
            "scope": self.scope.describe(),
            "filters": {
                **f.as_dict(),
                "boundary_set": self.scope.boundary_set["slug"],
                "area": {"code": self.area["code"], "name": self.area["name"]} if self.area else None,
            },
            "page": f.page,
            "per_page": f.per_page,
            "pages": self.pages,
            "totals": {"findings": self.total, "in_tier": self.tier_total},
            "counts": self.counts,
            "findings": page_rows,
            "parameters": self.parameters,
            "data_version": self.data_version,
        }


def _area_less(scope: Scope) -> Scope:
    return dataclasses.replace(scope, area=None, network=None)


def rows_for(
    conn,
    scope: Scope,
    params: Mapping[str, Any] | None,
    tier: str,
    cache: LRUCache | None = None,
) -> tuple[list[FindingRow], dict]:
    """The tier's rows in the scope (no area) and the run's parameters: kept in ``cache`` under the data state,
    scope, parameters and tier, so a kept answer is never stale."""
    whole = _area_less(scope)

    def build() -> tuple[list[FindingRow], dict]:
        if tier == "all":
            head, run_params = rows_for(conn, scope, params, "headline", cache)
            detail, _ = rows_for(conn, scope, params, "detail", cache)
            order = {r.key: i for i, r in enumerate(rules.RULES)}
            merged = sorted([*head, *detail], key=lambda r: (order.get(r.rule, 99), r.order))
            return [dataclasses.replace(r, order=i) for i, r in enumerate(merged)], run_params
        rows = build_rows(conn, whole, params, tier)
        _, checked, origin = service.check_values(whole, dict(params or {}))
        return rows, {**checked.as_dict(), "sources": origin, "as_of": whole.as_of.isoformat()}

    if cache is None:
        return build()
    key = ("findings-browser", *data_state(conn), whole.key(), tuple(sorted((params or {}).items())), tier)
    return cache.get_or_build(key, build)


def browse(
    conn,
    scenario: str,
    filters: Filters,
    params: Mapping[str, Any] | None = None,
    as_of: Any = None,
    cache: LRUCache | None = None,
    *,
    check_page: bool = True,
) -> Browse:
    """A scenario's findings under ``filters``: resolve the scope (boundary set and area, any level; the area's
    set when none is named), run the tier's rules once (kept in ``cache``), filter, count, sort."""
    scope = resolve_scope(conn, scenario, filters.boundary_set, filters.area, as_of=as_of)
    area = scope.area
    area_key = (area.get("code") or area.get("ods_code") or area.get("gss_code")) if area else None
    if filters.network is not None:
        resolve_scope(conn, scenario, network=filters.network)  # 404 naming 'code' for an unknown network
    rows, run_params = rows_for(conn, scope, params, filters.tier, cache)
    area_options = repo.area_options(conn, scope.boundary_set["id"])
    area_names = {a["code"]: a["name"] for a in area_options}
    kept = select(rows, filters, area_key)
    out = Browse(
        scope=scope,
        filters=filters,
        area=({"code": area_key, "name": area["name"]} if area else None),
        rows=kept,
        tier_total=len(rows),
        counts=counts(rows, filters, area_key, area_names),
        area_options=area_options,
        boundary_sets=repo.boundary_set_options(conn, scope.dataset),
        data_version=service.data_version(conn),
        parameters=run_params,
    )
    if check_page and filters.page > out.pages:
        raise InvalidParameter(
            "page", f"'page' {filters.page} is past the last page ({out.pages}) of {out.total:,} findings."
        )
    return out


def findings_query(**filters: Any) -> dict[str, Any]:
    """Query values for a findings link (``rule``, ``area``, ``boundary_set``, ``network``, ``commissioner``,
    ``tier``, ``sort``...): checked as the browser would check them, only those set."""
    parsed = parse_filters({k: v for k, v in filters.items() if v is not None})
    return Filters(**{**dataclasses.asdict(parsed), "page": 1, "per_page": PER_PAGE}).query()


# ---- files -----------------------------------------------------------------------------------------------


def _csv_cells(r: FindingRow, link: Callable[[FindingRow], str | None] | None) -> list[Any]:
    return [
        r.rule,
        r.tier,
        r.finding,
        r.label,
        r.subject,
        r.code,
        r.name,
        r.sentence,
        r.area_code,
        r.area_name,
        ";".join(c for c, _ in r.networks),
        "; ".join(n or "" for _, n in r.networks),
        r.commissioner_code,
        r.commissioner_name,
        _plain(r.value) if not isinstance(r.value, (list, dict)) else r.value_text,
        r.lon,
        r.lat,
        link(r) if link else None,
    ]


def to_csv(view: Browse, link: Callable[[FindingRow], str | None] | None = None) -> str:
    """Every filtered finding (not only the page) through the service's one CSV writer (formula cells defused)."""
    return csv_text(CSV_HEADER, (_csv_cells(r, link) for r in view.rows))


def file_stem(view: Browse) -> str:
    from geo_service.slugs import slugify

    parts = [view.scope.scenario["slug"], "findings"]
    f = view.filters
    for value in (f.finding or f.rule, view.area["code"] if view.area else None, f.network, f.commissioner):
        if value:
            parts.append(slugify(str(value)))
    return "_".join(parts)


def to_geopackage(conn, view: Browse, link: Callable[[FindingRow], str | None] | None = None):
    """Every filtered finding as a GeoPackage (through GDAL): layer ``findings`` (one point per finding: the
    practice's location, a point inside the network or area; none when unknown) and layer ``finding_shapes``
    (the network polygons, or their members' hull, and area boundaries the findings name), each with the scope
    in its metadata as the other exports carry it."""
    import geopandas as gpd
    import pandas as pd
    import pyogrio
    import shapely

    from geo_service.exports.vector import ExportFile, scope_metadata

    workdir = Path(tempfile.mkdtemp(prefix="geo-findings-"))
    try:
        filename = file_stem(view) + ".gpkg"
        path = workdir / filename
        scope = view.scope
        meta = scope_metadata(_area_less(scope))
        meta["FILTERS"] = "; ".join(f"{k}={v}" for k, v in view.filters.query().items())
        columns = list(CSV_HEADER[:-3]) + ["map_url"]
        records = []
        points = []
        for r in view.rows:
            cells = _csv_cells(r, link)
            records.append(dict(zip(columns, cells[:-3] + [cells[-1]], strict=True)))
            points.append(shapely.Point(r.lon, r.lat) if r.lon is not None and r.lat is not None else None)
        frame = pd.DataFrame.from_records(records, columns=columns)
        frame["figure"] = frame["figure"].map(lambda v: None if v is None else str(v))
        gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(points, crs="EPSG:4326"), crs="EPSG:4326")
        description = f"Findings ({len(gdf)}), filters: {meta['FILTERS'] or 'none'}. {scope.scenario['name']}: "
        description += scope.data_line()
        pyogrio.write_dataframe(
            gdf,
            path,
            layer="findings",
            driver="GPKG",
            geometry_type="Point",
            dataset_options={"VERSION": "1.2"},
            layer_options={"DESCRIPTION": description},
            layer_metadata=meta,
            dataset_metadata=meta,
        )
        nets = sorted({r.code for r in view.rows if r.subject == "network"})
        areas = sorted({r.code for r in view.rows if r.subject == "area"})
        shapes = []
        for code, wkb in repo.network_shapes(conn, _area_less(scope).values(), nets, HULL_BUFFER_M).items():
            shapes.append({"subject": "network", "code": code, "geometry": shapely.from_wkb(wkb) if wkb else None})
        for code, wkb in repo.area_shapes(conn, scope.boundary_set["id"], areas).items():
            shapes.append({"subject": "area", "code": code, "geometry": shapely.from_wkb(wkb) if wkb else None})
        if shapes:
            shape_frame = gpd.GeoDataFrame(shapes, geometry="geometry", crs="EPSG:4326")
            shape_frame["geometry"] = shape_frame.geometry.map(
                lambda g: shapely.MultiPolygon([g]) if g is not None and g.geom_type == "Polygon" else g
            )
            pyogrio.write_dataframe(
                shape_frame,
                path,
                layer="finding_shapes",
                driver="GPKG",
                append=True,
                geometry_type="MultiPolygon",
                layer_options={"DESCRIPTION": "Shapes of the networks and areas the findings name."},
                layer_metadata=meta,
            )
        return ExportFile(path, filename, "application/geopackage+sqlite3", workdir, scope.data_line())
    except BaseException:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
        raise


# ---- search ----------------------------------------------------------------------------------------------


_GENERIC_WORDS = frozenset(
    {
        "network",
        "networks",
        "practice",
        "practices",
        "area",
        "areas",
        "member",
        "members",
        "more",
        "than",
        "one",
        "with",
        "from",
        "polygon",
        "list",
        "size",
    }
)


def rule_words(words: str) -> list[tuple[str, str, int]]:
    """(rule or finding key, label, score) whose key or label holds ``words`` (lower case, spaces for '-'/'_'):
    a rule when its own key or label matches, else each matching finding of it. Exact keys score highest."""
    out: list[tuple[str, str, int]] = []
    if set(words.split()) <= _GENERIC_WORDS:
        return out  # "network", "practices", "area": names of things, not of findings
    for r in rules.RULES:
        key_words = r.key.replace("_", " ")
        label = rule_label(r)
        if words in key_words or words in label.lower():
            out.append((r.key, label, 96 if words == key_words else 85))
            continue
        for key, finding_label in r.labels.items():
            finding_words = key.replace("_", " ")
            if words in finding_words or words in finding_label.lower():
                out.append((key, f"{finding_label} ({rule_label(r).lower()})", 96 if words == finding_words else 85))
    return out
