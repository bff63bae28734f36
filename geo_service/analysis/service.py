"""The rule engine's service API, shared by the JSON API, the CLI, maps and exports (no Flask here).

All functions take an open psycopg2 connection first. ``run_checks`` runs every check for one
scenario against one boundary set (optionally one area); ``network_findings`` and
``practice_findings`` flatten the result into finding keys per network / practice code, with
labels in :data:`FINDING_LABELS`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from geo_service.analysis import compare, parameters, rules
from geo_service.analysis.evidence import plain
from geo_service.analysis.findings import CHECK_EXPLANATIONS, CHECKS, FINDING_LABELS, SUMMARY_KEYS
from geo_service.caching import LRUCache, scope_state
from geo_service.db.repositories import analysis_checks, analysis_compare, meta
from geo_service.errors import InvalidParameter
from geo_service.scope import Scope, resolve_scope

__all__ = [
    "FINDING_LABELS",
    "CHECKS",
    "CHECK_EXPLANATIONS",
    "SUMMARY_KEYS",
    "run_checks",
    "run_checks_in",
    "network_findings",
    "practice_findings",
    "finding_sets",
    "check_values",
    "network_detail",
    "networks_in",
    "compare_scenarios",
    "data_version",
]

log = logging.getLogger(__name__)


def check_values(scope: Scope, params: dict | None = None) -> tuple[dict[str, Any], Any, dict[str, str]]:
    """Bind values for the checks statement: the scope's values, the validated parameters and the date
    before which a list size is stale (``stale_days`` before the scenario's ``as_of``)."""
    checked, origin = parameters.resolve(params, scope.scenario)
    stale_before = scope.as_of - dt.timedelta(days=checked.stale_days)
    return {**scope.values(), **checked.as_dict(), "stale_before": stale_before}, checked, origin


def _chosen(rule_keys: Iterable[str] | None) -> tuple[rules.Rule, ...]:
    """The rules asked for by key (all when None); an unknown key is a 400 naming it."""
    try:
        return rules.select(rule_keys)
    except KeyError as e:
        raise InvalidParameter("rules", f"Unknown rule '{e.args[0]}'.", allowed=[r.key for r in rules.RULES]) from None


def _not_judged(scope: Scope) -> dict[str, str]:
    """Rules the scope cannot judge for its date (rule key -> reason), when the scope says so."""
    return dict(getattr(scope, "not_judged", None) or {})


def _items(
    conn, values: dict, chosen: tuple[rules.Rule, ...] | None = None, not_judged: Mapping[str, str] | None = None
) -> tuple[dict[str, list[dict]], dict]:
    """The chosen rules' items (one statement, one round trip; default every rule) and the counts in scope.
    A rule that cannot be judged has no items (its SQL is not run)."""
    chosen = rules.RULES if chosen is None else chosen
    run = tuple(r for r in chosen if r.key not in (not_judged or {}))
    raw = analysis_checks.items(conn, values, rules.all_queries(run))
    return {r.key: (r.items(raw) if r in run else []) for r in chosen}, raw["_counts"]


def _findings_of(items: dict[str, list[dict]]):
    for r in rules.RULES:
        if r.key in items:
            yield from r.findings(items[r.key])


def finding_sets(result: dict) -> dict[str, set[str]]:
    """The codes found per summary key (network, practice or area codes), from a full result."""
    out: dict[str, set[str]] = {key: set() for key in SUMMARY_KEYS}
    for r in rules.RULES:
        if r.key in result["items"]:
            out.update(r.finding_codes(result["items"][r.key]))
    return out


def _summary(
    n: dict[str, Any], chosen: tuple[rules.Rule, ...] | None = None, not_judged: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The nested summary from flat counts: each rule's counts where the rule places them (the registry), then
    the scope counts, then the same counts grouped by tier (``by_tier``)."""
    out_of_scope = n.get("out_of_scope") or {}
    return {
        **rules.nested_summary(n, chosen, not_judged),
        "networks": n["networks"],
        "median_population": n["median_population"],
        "practices": n["practices"],
        "out_of_scope_practices": {"total": sum(out_of_scope.values()), **out_of_scope},
        "by_tier": rules.by_tier(n, chosen, not_judged),
    }


def _counts_from_items(items: dict[str, list[dict]], scope_counts: dict) -> dict[str, Any]:
    n: dict[str, Any] = {}
    for r in rules.RULES:
        if r.key in items:
            n.update(r.summary_from_items(items[r.key]))
    return {**n, **scope_counts}


def run_checks(
    conn,
    scenario: str,
    boundary_set: str | None,
    area: str | None = None,
    params: dict | None = None,
    detail: str = "full",
    as_of: Any = None,
    rule_keys: Iterable[str] | None = None,
    page: int | None = None,
    per_page: int = 500,
) -> dict[str, Any]:
    """Run every check (or the rules named in ``rule_keys``) in the scope of (scenario, boundary set, area).
    ``detail='summary'`` leaves out ``items`` (counts only); ``page`` gives one page of the findings."""
    detail = parameters.check_detail(detail)
    scope = resolve_scope(conn, scenario, boundary_set, area, as_of=as_of)
    return run_checks_in(conn, scope, params, detail, rule_keys, page=page, per_page=per_page)


def _page_of(
    items: dict[str, list[dict]], page: int, per_page: int, totals: Mapping[str, int] | None = None
) -> tuple[dict[str, list[dict]], dict[str, Any]]:
    """One page of findings across the rules (registry order, each rule's own order) and where it is. ``items``
    may hold only each rule's first rows (at least up to the page's end) when ``totals`` says how many it has."""
    totals = {key: len(rows) for key, rows in items.items()} if totals is None else dict(totals)
    start, end, seen = (page - 1) * per_page, page * per_page, 0
    out: dict[str, list[dict]] = {}
    for key, rows in items.items():
        out[key] = rows[max(start - seen, 0) : max(end - seen, 0)]
        seen += totals[key]
    total = sum(totals.values())
    return out, {
        "page": page,
        "per_page": per_page,
        "total": total,
        "pages": max(1, -(-total // per_page)),
        "totals": totals,
    }


def _first_items_of(rule: rules.Rule, raw: dict, row_counts: Mapping[str, int]) -> list:
    """A rule's items from the first rows of its queries, each at its place among all the rule's items. Items that
    are its queries' rows one after another hold a gap (None) for each row not sent, so that later queries' rows
    keep their positions (a page never reaches a gap: a row not sent lies after every row sent before the page's
    end). A rule with its own ``combine`` merges its queries' rows in one order, so their first rows are its
    first items."""
    if rule.combine is not None:
        return rule.items(raw)
    return [row for q in rule.queries for row in [*raw[q], *[None] * (row_counts[q] - len(raw[q]))]]


def run_checks_in(
    conn,
    scope: Scope,
    params: dict | None = None,
    detail: str = "full",
    rule_keys: Iterable[str] | None = None,
    page: int | None = None,
    per_page: int = 500,
) -> dict[str, Any]:
    """Run the checks in a resolved scope: every rule, or only those named in ``rule_keys`` (e.g.
    ``["orphaned_practices"]`` for a fast page of England's orphans: only their SQL runs). The result has the
    same shape either way, holding the chosen rules' items, summary entries and explanations.

    ``page`` (from 1) with ``per_page`` gives one page of the findings (``items`` holds that page, across the
    rules in registry order; ``page`` says where it is and how many there are): the rest are counted in the
    summary but neither described nor sent; without it, every finding."""
    detail = parameters.check_detail(detail)
    if page is not None and (page < 1 or per_page < 1 or per_page > 10_000):
        raise InvalidParameter("page", "'page' must be 1 or more and 'per_page' between 1 and 10000.")
    chosen = _chosen(rule_keys)
    # A rule key, or "rule.part" for one part of a rule's summary (e.g. cross-boundary by member location).
    not_judged = {k: v for k, v in _not_judged(scope).items() if k.split(".")[0] in rules.BY_KEY}
    values, checked, origin = check_values(scope, params)
    result: dict[str, Any] = {
        "scenario": {"slug": scope.scenario["slug"], "name": scope.scenario["name"]},
        "boundary_set": {k: scope.boundary_set[k] for k in ("slug", "name", "level")},
        "area": ({k: scope.area[k] for k in ("ods_code", "gss_code", "name")} if scope.area is not None else None),
        "scope": scope.describe(),
        "parameters": {
            **checked.as_dict(),
            "sources": origin,
            "as_of": scope.as_of.isoformat(),
            "stale_before": values["stale_before"].isoformat(),
        },
        # The scenario's own data version (migration 0055): what this result reflects; edits of other
        # scenarios leave it.
        "data_version": meta.scenario_version(conn, int(scope.scenario["id"])),
    }
    if detail == "summary":
        run = tuple(r for r in chosen if r.key not in not_judged)
        kept = analysis_checks.kept_state(conn, values)
        flat = analysis_checks.summary_counts(conn, values, rules.summary_queries(run, kept=kept[1]), kept=kept)
        result["summary"] = _summary(flat, chosen, not_judged)
    elif page is not None:
        # A page: first the summary and how many rows each rule query gives (one statement, counts only), then
        # the first page * per_page rows of the rules the page falls on (rules are paged in order, each in its
        # queries' order), so the rules after the page are counted but never listed.
        run = tuple(r for r in chosen if r.key not in not_judged)
        kept = analysis_checks.kept_state(conn, values)
        flat = analysis_checks.summary_counts(
            conn, values, rules.summary_queries(run, kept=kept[1]), rules.all_queries(run), kept=kept
        )
        row_counts = flat.pop("_rows", {})
        result["summary"] = _summary(flat, chosen, not_judged)
        totals = {r.key: (sum(row_counts[q] for q in r.queries) if r in run else 0) for r in chosen}
        start, end, seen, on_page = (page - 1) * per_page, page * per_page, 0, []
        for r in chosen:
            if r in run and seen < end and seen + totals[r.key] > start:
                on_page.append(r)
            seen += totals[r.key]
        raw = analysis_checks.first_items(conn, values, rules.all_queries(on_page), end)[0] if on_page else {}
        items = {r.key: (_first_items_of(r, raw, row_counts) if r in on_page else []) for r in chosen}
        result["items"], result["page"] = _page_of(items, page, per_page, totals)
    else:
        items, scope_counts = _items(conn, values, chosen, not_judged)
        result["summary"] = _summary(_counts_from_items(items, scope_counts), chosen, not_judged)
        result["items"] = items
    if not_judged:
        result["not_judged"] = {k: v for k, v in not_judged.items() if k.split(".")[0] in {r.key for r in chosen}}
    result["explanations"] = {r.key: CHECK_EXPLANATIONS[r.key] for r in chosen}
    return result


def _findings_by(result: dict, subject: str) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for kind, code, key in _findings_of(result["items"]):
        if kind == subject:
            found.setdefault(code, set()).add(key)
    order = list(FINDING_LABELS)
    return {code: sorted(keys, key=order.index) for code, keys in sorted(found.items())}


def network_findings_from(result: dict) -> dict[str, list[str]]:
    """Network code → finding keys of one run of the checks (:func:`run_checks_in`): for callers that run the
    checks themselves (the plan editor, inside an edit's transaction) and need the shape :func:`findings_in` gives."""
    return _findings_by(result, "network")


def practice_findings_from(result: dict) -> dict[str, list[str]]:
    """Practice ODS code → finding keys of one run of the checks (see :func:`network_findings_from`)."""
    return _findings_by(result, "practice")


_FINDINGS: LRUCache[tuple[dict[str, list[str]], dict[str, list[str]]]] = LRUCache(16)


def findings(
    conn, scenario: str, boundary_set: str | None, area: str | None = None, params: dict | None = None
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(network code → finding keys, practice ODS code → finding keys) from one run of every check."""
    return findings_in(conn, resolve_scope(conn, scenario, boundary_set, area), params)


def findings_in(conn, scope: Scope, params: dict | None = None) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Findings in a resolved scope. Maps, exports and prints ask for both for the same view, often again:
    kept per process under the scenario's own version and the scope, so a kept answer is never stale (and an edit
    of another scenario keeps it)."""
    key = (*scope_state(conn, scope), scope.key(), tuple(sorted((params or {}).items())))

    def build():
        result = run_checks_in(conn, scope, params)
        return network_findings_from(result), practice_findings_from(result)

    return _FINDINGS.get_or_build(key, build)


def network_findings(
    conn, scenario: str, boundary_set: str | None, area: str | None = None, params: dict | None = None
) -> dict[str, list[str]]:
    """Network code → finding keys (labels in FINDING_LABELS). Networks without findings are absent."""
    return findings(conn, scenario, boundary_set, area, params)[0]


def practice_findings(
    conn, scenario: str, boundary_set: str | None, area: str | None = None, params: dict | None = None
) -> dict[str, list[str]]:
    """Practice ODS code → finding keys (labels in FINDING_LABELS). Practices without findings are absent."""
    return findings(conn, scenario, boundary_set, area, params)[1]


def networks_in(conn, scope: Scope, params: dict | None = None) -> list[dict]:
    """Every network in a resolved scope with the facts the rules judge (members, population, members without
    a list size, largest member), from the same statement shape as the checks: pages and prints list these."""
    return analysis_checks.network_rows(conn, check_values(scope, params)[0])


def data_version(conn) -> int:
    """The database's data version: it changes with every transaction that changes data, so results
    keyed on it can be cached safely."""
    return meta.current_version(conn)


def network_detail(
    conn, scenario: str, code: str, boundary_set: str | None = None, params: dict | None = None
) -> dict[str, Any]:
    """One network: its members as of the scenario's date (with area and findings) and every finding that
    concerns it."""
    scope = resolve_scope(conn, scenario, boundary_set, network=code)
    result = run_checks_in(conn, scope, params)
    net = analysis_compare.network(conn, scope.scenario["id"], code)
    members = plain(analysis_compare.network_members(conn, scope.values(), net["id"]))
    practice_keys = practice_findings_from(result)
    for m in members:
        m["findings"] = practice_keys.get(m["code"], [])
    member_codes = {m["code"] for m in members}
    related: dict[str, list[dict]] = {}
    for check, rows in result["items"].items():
        hits = [
            r
            for r in rows
            if net["code"] in (r.get("code"), r.get("network_code"), r.get("other_code"))
            or (check in ("data_gaps", "multiply_assigned_practices") and r["code"] in member_codes)
        ]
        if hits:
            related[check] = hits
    known = [m["list_size"] for m in members if m["list_size"] is not None]
    return {
        "scenario": result["scenario"],
        "boundary_set": result["boundary_set"],
        "scope": result["scope"],
        "parameters": result["parameters"],
        "data_version": result["data_version"],
        "network": {
            **plain({k: v for k, v in net.items() if k != "id"}),
            "member_count": len(members),
            "population": sum(known),
            "unknown_list_sizes": len(members) - len(known),
            "findings": network_findings_from(result).get(net["code"], []),
        },
        "members": members,
        "items": related,
    }


def compare_scenarios(
    conn, a: str, b: str, boundary_set: str | None = None, params: dict | None = None, area: str | None = None
) -> dict[str, Any]:
    """Practices that moved, networks added/removed/renamed, population change per network and per
    area, and each check's count in ``a`` and ``b`` (same boundary set and parameters for both; each
    scenario judged as of its own date, on its own extracts)."""
    for name, value in (("a", a), ("b", b)):
        if not value:
            raise InvalidParameter(name, f"'{name}' (a scenario slug) is required.")
    scope_a = resolve_scope(conn, a, boundary_set, area)
    scope_b = resolve_scope(conn, b, scope_a.boundary_set["slug"], scope_a.area["code"] if scope_a.area else None)
    counts = {}
    for side, scope in (("a", scope_a), ("b", scope_b)):
        counts[side] = _flat_counts(conn, scope, params)
    change = _boundary_change(conn, scope_a, scope_b, params)
    out = compare.compare(conn, scope_a, scope_b, counts["a"], counts["b"], change)
    out["data_version"] = meta.current_version(conn)
    return out


def _flat_counts(conn, scope: Scope, params: dict | None) -> dict[str, int]:
    found = finding_sets({"items": _items(conn, check_values(scope, params)[0])[0]})
    return {k: len(v) for k, v in found.items()}


def _boundary_change(conn, scope_a: Scope, scope_b: Scope, params: dict | None) -> dict[str, Any] | None:
    """When the two scenarios' own boundary sets differ: what changed (areas merged/split), and each
    scenario's cross-boundary count on its own set (in the area's successor there), so a page can show that a
    boundary merge, not the networks, moved the count. None when both sit on the same set."""
    own_a = resolve_scope(conn, scope_a.scenario["slug"])
    own_b = resolve_scope(conn, scope_b.scenario["slug"])
    if own_a.boundary_set["id"] == own_b.boundary_set["id"]:
        return None
    change = compare.boundary_change(conn, own_a.boundary_set, own_b.boundary_set)
    own_counts = {}
    common = scope_a.boundary_set
    for side, own, scope in (("a", own_a, scope_a), ("b", own_b, scope_b)):
        area = None
        if scope.area:
            area = (
                scope.area["code"]
                if own.boundary_set["id"] == common["id"]
                else compare.successor_area(conn, common, own.boundary_set, scope.area["code"])
            )
        own_scope = resolve_scope(conn, own.scenario["slug"], own.boundary_set["slug"], area)
        flat = _flat_counts(conn, own_scope, params)
        own_counts[side] = {
            "boundary_set": {k: own.boundary_set[k] for k in ("slug", "name", "level")},
            "area": {"code": own_scope.area["code"], "name": own_scope.area["name"]} if own_scope.area else None,
            "count": sum(flat.get(k, 0) for k in compare.CROSS_BOUNDARY_KEYS),
        }
    change["own_counts"] = own_counts
    return change
