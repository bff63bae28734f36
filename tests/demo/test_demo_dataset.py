"""The demo lives in its own dataset: it never reaches real scenarios, and one command removes it without
touching real data."""

from __future__ import annotations

from click.testing import CliRunner

from geo_service.analysis import service
from geo_service.cli import main
from geo_service.demo.load import load_demo
from geo_service.ingest.bundle import import_bundle
from tests.ingest.conftest import DATA

REAL = "test-epcn-2019"
COUNTS = {
    "synthetic": """SELECT (SELECT count(*) FROM scenarios WHERE dataset = 'synthetic')
                         + (SELECT count(*) FROM boundary_sets WHERE dataset = 'synthetic')
                         + (SELECT count(*) FROM extracts WHERE dataset = 'synthetic')
                         + (SELECT count(*) FROM practices WHERE ods_code LIKE 'Z%%')""",
    "real": """SELECT (SELECT count(*) FROM practice_register) + (SELECT count(*) FROM practice_list_sizes)
                    + (SELECT count(*) FROM postcode_points) + (SELECT count(*) FROM memberships)
                    + (SELECT count(*) FROM areas)""",
}


def _count(db, which: str) -> int:
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute(COUNTS[which])
        return cur.fetchone()[0]


def _real_result(db) -> dict:
    with db.connection() as conn:
        result = service.run_checks(conn, REAL, None)
    return {k: result[k] for k in ("boundary_set", "summary", "items")}


def test_demo_is_removed_by_one_command_and_real_data_stays(fresh_db, fresh_db_url, monkeypatch):
    import_bundle(fresh_db, DATA / "bundle.toml")
    real_alone, real_rows = _real_result(fresh_db), _count(fresh_db, "real")
    load_demo(fresh_db)
    assert _count(fresh_db, "synthetic") > 0
    assert _real_result(fresh_db) == real_alone  # the demo changes nothing for the real scenario

    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    out = CliRunner().invoke(main, ["demo", "--remove"])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("demo data removed: 2 scenarios, 1 boundary_sets, 5 extracts, 63 practices")
    assert _count(fresh_db, "synthetic") == 0
    assert _count(fresh_db, "real") == real_rows  # every real fact, membership and area is still there
    assert _real_result(fresh_db) == real_alone


def test_demo_if_empty_still_loads_into_an_empty_database(fresh_db):
    assert load_demo(fresh_db, only_if_empty=True)["practices"] == 63
    assert load_demo(fresh_db, only_if_empty=True) == {"skipped": "database already has data"}
