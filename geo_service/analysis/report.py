"""Flat renderings of a checks result: one row per finding (CSV, tables), shared by the API and CLI."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from geo_service.analysis import rules, wording
from geo_service.csv_output import csv_text

# Machine columns first (stable: check, finding, code, name, value, evidence as JSON), then the same finding
# written for people (analysis.wording): its sentence and its evidence table on one line.
CSV_COLUMNS = ["check", "finding", "code", "name", "value", "evidence", "description", "details"]
_TEXT_FIELDS = ("code", "name", "kind", "finding", "description", "evidence_table")


def finding_rows(result: dict, names: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """One row per item of every rule (registry order): its finding key, headline value and description.
    ``names`` (commissioner / area code -> name, ``analysis.described.names_for``) puts names beside codes."""
    rows = []
    params = result.get("parameters")
    for rule in rules.RULES:
        for item in result["items"].get(rule.key, []):
            finding, value = rule.headline(item)
            evidence = {k: v for k, v in item.items() if k not in _TEXT_FIELDS}
            text = wording.describe(rule.key, item, params, names)
            rows.append(
                {
                    "check": rule.key,
                    "finding": finding,
                    "code": item["code"],
                    "name": item["name"],
                    "value": value,
                    "evidence": json.dumps(evidence, separators=(",", ":"), ensure_ascii=False),
                    "description": text.sentence,
                    "details": text.evidence_text(),
                }
            )
    return rows


def to_csv(result: dict, names: Mapping[str, str] | None = None) -> str:
    """checks.csv: one row per finding, written by the service's one CSV writer (formula cells defused)."""
    return csv_text(CSV_COLUMNS, ([row[c] for c in CSV_COLUMNS] for row in finding_rows(result, names)))


def _at(summary: dict, path: tuple[str, ...]):
    value = summary
    for part in path:
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _count_text(value) -> str:
    if isinstance(value, dict) and value.get("judged") is False:
        return "not judged"
    return f"{value:,}" if isinstance(value, int) else "—"


def to_table(result: dict) -> str:
    """A readable plain-text report: the summary, then one line per finding."""
    s = result["summary"]
    head = [
        f"Scenario:     {result['scenario']['name']} ({result['scenario']['slug']})",
        f"Boundary set: {result['boundary_set']['name']} ({result['boundary_set']['slug']})",
        f"Judged on:    {result['scope']['data_line']}",
    ]
    if result.get("area"):
        a = result["area"]
        head.append(f"Area:         {a['name']} ({a['ods_code'] or a['gss_code']})")
    p = result["parameters"]
    head.append(
        f"Parameters:   population {p['min']:,}–{p['max']:,}, dominance ≥ {p['dominance']:.0%}, extended hours "
        f"≥ {p['extended_hours']:.0%}, cross-boundary tolerance {p['cross_boundary_tolerance']:.0%}, stale after "
        f"{p['stale_days']} days"
    )
    head.append(f"Networks: {s['networks']:,}   Active practices: {s['practices']:,}")
    if s["out_of_scope_practices"]["total"]:
        others = ", ".join(f"{n:,} {k}" for k, n in s["out_of_scope_practices"].items() if k != "total")
        head.append(f"Out of scope (other nations): {others}")
    lines = [*head, "", "Summary"]
    labels = rules.summary_labels()
    shown: set[str] = set()
    chosen = [r for r in rules.RULES if r.key in s.get("by_tier", {}).get(r.tier, {})] or list(rules.RULES)
    groups: list[tuple[str, list[tuple[str, object]]]] = []
    for tier in rules.TIERS:
        rows = []
        for rule in (r for r in chosen if r.tier == tier):
            for key in rule.flat_keys():
                if key not in shown:
                    shown.add(key)
                    rows.append((labels.get(key, key.replace("_", " ").capitalize()), _at(s, rule.paths_of(key)[0])))
        if rows:
            groups.append((tier, rows))
    width = max(len(label) for _, rows in groups for label, _ in rows)
    for tier, rows in groups:
        lines.append(f" {tier.capitalize()}")
        lines += [f"  {label:<{width}}  {_count_text(value):>6}" for label, value in rows]
    if "items" in result:
        rows = finding_rows(result)
        lines += ["", "Findings"]
        if not rows:
            lines.append("  none")
        cw = max([len(r["finding"]) for r in rows] + [7])
        for r in rows:
            value = "" if r["value"] is None else r["value"]
            lines.append(f"  {r['finding']:<{cw}}  {r['code']:<10}  {r['name'][:60]:<60}  {value}")
    return "\n".join(lines) + "\n"
