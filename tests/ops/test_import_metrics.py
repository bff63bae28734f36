"""Import durations (issue 26): each ``geo-service import`` subcommand is observed, failed or not."""

from __future__ import annotations

from click.testing import CliRunner

from geo_service import metrics
from geo_service.cli import main


def _count(kind: str, outcome: str) -> float:
    for family in metrics.IMPORT_SECONDS.collect():
        for s in family.samples:
            if s.name.endswith("_count") and s.labels == {"kind": kind, "outcome": outcome}:
                return s.value
    return 0.0


def test_a_failed_import_is_observed(tmp_path, fresh_db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    bad = tmp_path / "epraccur.csv"
    bad.write_text("not,a,register\n")
    # The counters are the process's: other tests in this worker may have imported before (deltas only).
    before, ok_before = _count("practices", "failed"), _count("practices", "ok")
    result = CliRunner().invoke(main, ["import", "practices", str(bad)])
    assert result.exit_code != 0
    assert _count("practices", "failed") == before + 1
    assert _count("practices", "ok") == ok_before
