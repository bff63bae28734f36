"""The registry as the one source (issue 19): rules discovered from their modules, every list of rules read from
``RULES``, the checks repository handed the rules' SQL, subsets of rules, pages of findings, tiers, and the
"not judged" hook a scope can raise for a rule it cannot judge on its date."""

from __future__ import annotations

import ast
import pkgutil
from pathlib import Path

import psycopg2
import pytest

import geo_service.analysis.rules as rules_pkg
from geo_service.analysis import parameters, report, rules, service, wording
from geo_service.analysis.findings import SUMMARY_KEYS
from geo_service.demo.generator import BOUNDARY_SET, PROPOSAL, REGISTERED
from geo_service.errors import InvalidParameter
from geo_service.navigation.home import _headlines
from geo_service.scope import resolve_scope
from tests.pyparse import parse_python

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def conn(demo_db_url):
    c = psycopg2.connect(demo_db_url)
    yield c
    c.rollback()
    c.close()


def test_every_rule_module_is_registered_and_carries_its_parts():
    modules = {m.name for m in pkgutil.iter_modules(rules_pkg.__path__) if m.name != "base"}
    assert {r.key for r in rules.RULES} == {rules_pkg.__dict__[m].RULE.key for m in modules}
    for r in rules.RULES:
        assert r.tier in rules.TIERS and r.describe is not None, r.key
        assert set(r.summary_labels) <= set(r.flat_keys()), r.key
    assert {r.key for r in rules.of_tier(rules.DETAIL)} >= {"geometry", "data_gaps", "unknown_list_sizes"}
    # Every parameter comes from a rule module; every threshold row from a rule.
    assert set(parameters.specs()) >= {"min", "max", "dominance", "overlap_min_share", "stale_days"}
    assert [label for label, _ in wording.thresholds()][:2] == ["Population band", "Dominant practice"]


def test_the_checks_repository_imports_nothing_above_it():
    tree = parse_python((ROOT / "geo_service/db/repositories/analysis_checks.py").read_text())
    imported = {
        n.module if isinstance(n, ast.ImportFrom) else a.name
        for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in (n.names if isinstance(n, ast.Import) else [n])
    }
    assert not any(m and m.startswith("geo_service.analysis") for m in imported), imported


def test_no_hard_coded_rule_lists_outside_the_rules():
    """The keys of headline counts live in rule modules only (home, panels and prints read the registry)."""
    for path in ("geo_service/navigation/home.py", "geo_service/analysis/service.py", "geo_service/analysis/report.py"):
        text = (ROOT / path).read_text()
        for key in ("undersized_networks", "dominated_networks", "extended_hours_gaps", "catchment_spill_networks"):
            assert key not in text, (path, key)


@pytest.mark.parametrize("slug", [REGISTERED, PROPOSAL])
def test_summary_shape_is_stable_and_grouped_by_tier(conn, slug):
    full = service.run_checks(conn, slug, BOUNDARY_SET["slug"])
    summary = service.run_checks(conn, slug, BOUNDARY_SET["slug"], detail="summary")["summary"]
    assert summary == full["summary"]  # the counts-only statement gives the counts of the items
    s = full["summary"]
    assert set(s["cross_boundary_networks"]) == {"administrative", "member_location"}
    assert set(s["geometry"]) >= {"overlapping_networks", "overlapping_pairs", "areas_with_gaps"}
    assert s["data_gaps"]["networks_with_unknown_list_sizes"] == s["networks_with_unknown_list_sizes"]
    assert set(s["by_tier"]["headline"]) == {r.key for r in rules.of_tier(rules.HEADLINE)}
    assert s["by_tier"]["headline"]["size_band"]["undersized_networks"] == s["undersized_networks"]
    assert s["by_tier"]["detail"]["geometry"]["overlapping_pairs"] == s["geometry"]["overlapping_pairs"]
    flat = {k for tier in s["by_tier"].values() for counts in tier.values() for k in counts}
    assert set(SUMMARY_KEYS) <= flat


def test_a_subset_of_rules_runs_only_their_sql(conn):
    full = service.run_checks(conn, REGISTERED, BOUNDARY_SET["slug"])
    only = service.run_checks(conn, REGISTERED, BOUNDARY_SET["slug"], rule_keys=["orphaned_practices"])
    assert set(only["items"]) == {"orphaned_practices"} and set(only["explanations"]) == {"orphaned_practices"}
    assert only["items"]["orphaned_practices"] == full["items"]["orphaned_practices"]
    assert only["summary"]["orphaned_practices"] == full["summary"]["orphaned_practices"]
    assert "undersized_networks" not in only["summary"] and only["summary"]["practices"] == full["summary"]["practices"]
    with pytest.raises(InvalidParameter) as e:
        service.run_checks(conn, REGISTERED, BOUNDARY_SET["slug"], rule_keys=["no_such_rule"])
    assert e.value.parameter == "rules" and "no_such_rule" in str(e.value)


@pytest.mark.parametrize("per_page", [1, 3, 7, 500])
def test_pages_of_findings_join_up_to_every_finding(conn, per_page):
    full = service.run_checks(conn, PROPOSAL, BOUNDARY_SET["slug"])
    every = [(k, r) for k in full["items"] for r in full["items"][k]]
    first = service.run_checks(conn, PROPOSAL, BOUNDARY_SET["slug"], page=1, per_page=per_page)
    assert first["page"]["total"] == len(every) and first["summary"] == full["summary"]
    # Each rule's total is counted in the database (only the first rows of each query are sent).
    assert first["page"]["totals"] == {k: len(v) for k, v in full["items"].items()}
    seen = []
    for page in range(1, first["page"]["pages"] + 1):
        part = service.run_checks(conn, PROPOSAL, BOUNDARY_SET["slug"], page=page, per_page=per_page)
        rows = [(k, r) for k in part["items"] for r in part["items"][k]]
        assert len(rows) <= per_page
        seen += rows
    assert seen == every


def test_material_overlap_parameter(conn):
    loose = service.run_checks(conn, PROPOSAL, BOUNDARY_SET["slug"], params={"overlap_min_share": 0})
    strict = service.run_checks(conn, PROPOSAL, BOUNDARY_SET["slug"], params={"overlap_min_share": 0.9})
    assert loose["summary"]["geometry"]["overlapping_pairs"] == 1
    assert strict["summary"]["geometry"]["overlapping_pairs"] == 0
    with pytest.raises(InvalidParameter):
        parameters.resolve({"overlap_min_share": 2})


class _NotJudged:
    """A scope that says a rule cannot be judged on its date (the hook the dated-facts work fills)."""

    def __init__(self, scope, not_judged: dict[str, str]) -> None:
        self._scope, self.not_judged = scope, not_judged

    def __getattr__(self, name):
        return getattr(self._scope, name)


def test_a_rule_the_scope_cannot_judge_says_so_instead_of_a_number(conn):
    reason = "no register or list-size file near 2020-04-01 says which practices existed"
    scope = _NotJudged(resolve_scope(conn, REGISTERED, BOUNDARY_SET["slug"]), {"orphaned_practices": reason})
    for detail in ("full", "summary"):
        result = service.run_checks_in(conn, scope, detail=detail)
        assert result["summary"]["orphaned_practices"] == {"judged": False, "reason": reason}
        assert result["summary"]["by_tier"]["headline"]["orphaned_practices"] == {"judged": False, "reason": reason}
        assert result["not_judged"] == {"orphaned_practices": reason}
        assert isinstance(result["summary"]["undersized_networks"], int)
    full = service.run_checks_in(conn, scope)
    assert full["items"]["orphaned_practices"] == []
    heads = {h["key"]: h for h in _headlines(full["summary"], full["parameters"])}
    assert heads["orphaned_practices"]["judged"] is False and heads["orphaned_practices"]["count"] is None
    assert heads["orphaned_practices"]["reason"] == reason
    assert heads["undersized_networks"]["judged"] is True and heads["undersized_networks"]["finding"] == "undersized"
    assert "not judged" in report.to_table(full)


def test_one_part_of_a_rule_the_scope_cannot_judge_says_so_and_the_other_part_counts(conn):
    """The dated-facts scope names a part of a rule (no postcode file: member location cannot be judged)."""
    reason = "no postcode file is loaded"
    key = "cross_boundary_networks.member_location"
    scope = _NotJudged(resolve_scope(conn, REGISTERED, BOUNDARY_SET["slug"]), {key: reason})
    for detail in ("full", "summary"):
        result = service.run_checks_in(conn, scope, detail=detail)
        crossing = result["summary"]["cross_boundary_networks"]
        assert crossing["member_location"] == {"judged": False, "reason": reason}
        assert isinstance(crossing["administrative"], int) and crossing["administrative"] > 0
        assert result["not_judged"] == {key: reason}
        tiers = result["summary"]["by_tier"]["headline"]["cross_boundary_networks"]
        assert tiers["cross_boundary_member_location"] == {"judged": False, "reason": reason}
    heads = {h["key"]: h for h in _headlines(result["summary"], result["parameters"])}
    assert heads[key]["judged"] is False and heads[key]["reason"] == reason
    assert heads["cross_boundary_networks.administrative"]["judged"] is True


def test_home_headlines_name_their_rule_and_finding(conn):
    result = service.run_checks(conn, REGISTERED, BOUNDARY_SET["slug"], detail="summary")
    heads = _headlines(result["summary"], result["parameters"])
    assert [h["rule"] for h in heads] == [r.key for r, _ in rules.headlines()]
    assert all(h["finding"] and h["label"] and h["key"] for h in heads)
    by_key = {h["key"]: h for h in heads}
    assert by_key["cross_boundary_networks.administrative"]["count"] == 1
    assert "geometry" not in {h["rule"] for h in heads}  # detail is not on home
