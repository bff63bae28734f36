"""A filtered view of a scenario's findings: filter, count, sort and page the rows (kept per data state, scope,
parameters and tier), and :func:`browse`, the one entry point the page, API and files call."""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from geo_service.analysis import rules, service
from geo_service.analysis.findings_browser.filters import Filters, rule_label
from geo_service.analysis.findings_browser.rows import PROFILE_COLUMNS, FindingRow, build_rows, rules_of, sort_value
from geo_service.caching import LRUCache, data_state
from geo_service.db.repositories import findings_browser as repo
from geo_service.errors import InvalidParameter
from geo_service.scope import Scope, resolve_scope

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
        **{k: getattr(r, k) for k in PROFILE_COLUMNS},
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
        "value": lambda r: (sort_value(r.value), r.order),
        **{k: (lambda r, k=k: (getattr(r, k), r.order)) for k in PROFILE_COLUMNS},
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


def area_less(scope: Scope) -> Scope:
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
    whole = area_less(scope)

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
