"""``geo-service check`` prints the same results as the API: table, JSON, CSV; errors exit 1."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from geo_service.cli import main
from geo_service.demo.generator import BOUNDARY_SET, PROPOSAL, REGISTERED, generate

PLANTED = generate().planted


def _run(url: str, *args: str):
    return CliRunner().invoke(main, ["check", *args], env={"DATABASE_URL": url}, catch_exceptions=False)


def test_table(demo_db_url):
    out = _run(demo_db_url, "--scenario", REGISTERED, "--boundary-set", BOUNDARY_SET["slug"])
    assert out.exit_code == 0, out.output
    assert "Orphaned practices" in out.output and "Findings" in out.output
    for code in PLANTED[REGISTERED]["orphaned_practices"]:
        assert code in out.output


def test_json_matches_planted(demo_db_url):
    out = _run(demo_db_url, "--scenario", PROPOSAL, "--format", "json")
    assert out.exit_code == 0, out.output
    body = json.loads(out.output)
    assert {r["code"] for r in body["items"]["size_band"]} == PLANTED[PROPOSAL]["oversized_networks"]
    assert body["summary"]["geometry"]["areas_with_gaps"] == 1


def test_csv_with_area_and_parameters(demo_db_url):
    out = _run(demo_db_url, "--scenario", REGISTERED, "--area", "ZA1", "--format", "csv", "--min", "10000")
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert rows and not any(r["check"] == "size_band" for r in rows)  # UZ0001 (22k) passes a 10k minimum
    assert any(r["finding"] == "orphaned" for r in rows)


def test_errors_exit_1_with_the_reason(demo_db_url):
    out = _run(demo_db_url, "--scenario", "nope")
    assert out.exit_code == 1 and "No scenario with slug 'nope'" in out.output
    out = _run(demo_db_url, "--scenario", REGISTERED, "--dominance", "lots")
    assert out.exit_code == 1 and "'dominance' must be a number" in out.output
