"""Bundles: a whole vintage in one transaction; re-running is a no-op; a failure midway changes nothing."""

from __future__ import annotations

import shutil
from datetime import date

import pytest
from click.testing import CliRunner

from geo_service.cli import main
from geo_service.db.pool import dict_cursor
from geo_service.db.repositories import imports_networks
from geo_service.db.repositories import scope as scope_repo
from geo_service.errors import InputFileError
from geo_service.ingest.bundle import import_bundle
from geo_service.scope import resolve_scope
from tests.ingest.conftest import DATA, FACT_TABLES, in_scope, scalar, snapshot, state_of

MANIFEST = DATA / "bundle.toml"
PINS = ("register_extract_id", "list_size_extract_id", "location_extract_id")


def _extract_ids(reports) -> dict[str, int]:
    by_kind = {r.kind: r.extract_id for r in reports}
    return {
        "register_extract_id": by_kind["practices"],
        "list_size_extract_id": by_kind["list sizes"],
        "location_extract_id": by_kind["postcodes"],
    }


def _scenario(db, slug: str) -> dict:
    with db.connection() as conn, dict_cursor(conn) as cur:
        cur.execute(
            "SELECT as_of, dataset, register_extract_id, list_size_extract_id, location_extract_id"
            " FROM scenarios WHERE slug = %(slug)s",
            {"slug": slug},
        )
        return cur.fetchone()


def test_bundle_loads_everything(fresh_db):
    reports = import_bundle(fresh_db, MANIFEST)
    assert [r.kind for r in reports] == [
        "lookup",
        "boundaries",
        "practices",
        "networks",
        "memberships",
        "list sizes",
        "postcodes",
        "network polygons",
    ]
    assert all(r.extract_id is not None for r in reports if r.kind in ("practices", "list sizes", "postcodes"))
    assert scalar(fresh_db, "SELECT count(*) FROM practice_register") == 6
    assert scalar(fresh_db, "SELECT count(*) FROM practice_list_sizes") == 4
    assert scalar(fresh_db, "SELECT count(*) FROM postcode_points") == 4
    # The scenario's practice state: the three active English GP practices are in scope (W91001 is Welsh);
    # Y00001 (not a GP practice) is there as a network member. All but A81004 (postcode in no file) are
    # located; X99999 (list sizes only) is in no register and no network.
    state = state_of(fresh_db, "test-epcn-2019")
    assert in_scope(state) == {"A81001", "A81002", "A81004"}
    assert {c for c, r in state.items() if r["location"] is not None} == {
        "A81001",
        "A81002",
        "A81003",
        "W91001",
        "Y00001",
    }
    assert {c: r["list_size"] for c, r in state.items() if r["list_size"] is not None} == {
        "A81001": 5000,
        "A81002": 7000,
        "A81004": 3000,
    }
    assert state["W91001"]["nation"] == "wales" and not state["W91001"]["in_nation"]
    assert "X99999" not in state
    with fresh_db.connection() as conn:
        counts = scope_repo.practice_counts(conn, resolve_scope(conn, "test-epcn-2019").values())
    assert counts == {"active": 3, "located": 2, "closed": 1, "out_of_scope": {"wales": 1}}
    assert scalar(fresh_db, "SELECT count(*) FROM areas") == 2
    assert scalar(fresh_db, "SELECT count(*) FROM memberships") == 5
    assert scalar(fresh_db, "SELECT count(*) FROM networks WHERE geom IS NOT NULL") == 2


def test_bundle_rerun_is_a_no_op(fresh_db):
    import_bundle(fresh_db, MANIFEST)
    before = snapshot(fresh_db)
    reports = import_bundle(fresh_db, MANIFEST)
    for r in reports:
        assert (r.added, r.updated, r.closed) == (0, 0, 0), r.summary()
        assert r.unchanged > 0, r.summary()
        assert not r.changed, r.summary()
    assert snapshot(fresh_db) == before


def test_bundle_pins_its_scenario(fresh_db):
    reports = import_bundle(fresh_db, MANIFEST)
    pinned = _extract_ids(reports)
    assert _scenario(fresh_db, "test-epcn-2019") == {"as_of": date(2019, 12, 4), "dataset": "real", **pinned}
    with fresh_db.connection() as conn:
        scope = resolve_scope(conn, "test-epcn-2019")
    assert scope.as_of == date(2019, 12, 4)
    assert scope.extract_origin == {"register": "pinned", "list_sizes": "pinned", "locations": "pinned"}
    assert scope.values()["register_extract_id"] == pinned["register_extract_id"]
    assert scope.values()["list_size_extract_id"] == pinned["list_size_extract_id"]
    assert scope.values()["location_extract_id"] == pinned["location_extract_id"]
    assert scope.boundary_set["slug"] == "test-ccgs-2019"
    assert scope.data_line() == (
        "as of 4 Dec 2019 · register Dec 2019 · list sizes Jan 2021 · locations Oct 2020 · boundaries Apr 2019"
    )


def test_a_second_bundle_sharing_files_adds_no_facts(fresh_db, tmp_path):
    """Like the 2019/20 and 2020/21 manifests: another scenario judged on the same register, list-size and
    postcode files. Those files are the same extracts, their facts are not written again, and both scenarios
    are pinned to them."""
    first = import_bundle(fresh_db, MANIFEST)
    facts = snapshot(fresh_db, FACT_TABLES)
    second = tmp_path / "second.toml"
    second.write_text(
        """name = "Test bundle, next year"
[practices]
file = "epraccur_headerless.csv"
extract_date = 2019-12-01
[list_sizes]
file = "gp-reg-pat-prac-all.csv"
[postcodes]
file = "codepoint_headerless.csv"
extract_date = 2020-10-01
[pcn]
file = "epcn_core_partner_details.csv"
scenario = "Test mapping 2020/21"
extract_date = 2021-03-31
"""
    )
    reports = import_bundle(fresh_db, second, root=DATA)  # paths stay inside --root (absolute ones are refused)
    for r in reports:
        if r.kind in ("practices", "list sizes", "postcodes"):
            assert (r.added, r.updated, r.closed) == (0, 0, 0), r.summary()
            assert not r.changed, r.summary()
    assert _extract_ids(reports) == _extract_ids(first)
    after = snapshot(fresh_db, FACT_TABLES)
    assert {t: after[t] for t in FACT_TABLES} == {t: facts[t] for t in FACT_TABLES}
    assert _scenario(fresh_db, "test-mapping-2020-21") == {
        "as_of": date(2021, 3, 31),
        "dataset": "real",
        **_extract_ids(first),
    }
    assert _scenario(fresh_db, "test-epcn-2019") == {
        "as_of": date(2019, 12, 4),
        "dataset": "real",
        **_extract_ids(first),
    }
    # Re-running the second bundle is a no-op, data version included.
    before = snapshot(fresh_db)
    for r in import_bundle(fresh_db, second, root=DATA):
        assert not r.changed, r.summary()
    assert snapshot(fresh_db) == before


def test_failure_inside_the_transaction_keeps_the_previous_data(fresh_db, monkeypatch, tmp_path):
    import_bundle(fresh_db, MANIFEST)
    before = snapshot(fresh_db)
    # A newer vintage arrives, and the import dies after practices, networks and polygons were written…
    newer = tmp_path / "newer"
    shutil.copytree(DATA, newer)
    text = (newer / "epraccur_headerless.csv").read_text(encoding="latin-1").replace("OLD SURGERY", "RENAMED")
    (newer / "epraccur_headerless.csv").write_text(text, encoding="latin-1")

    def die(*args, **kwargs):
        raise RuntimeError("killed midway")

    monkeypatch.setattr(imports_networks, "replace_memberships", die)
    with pytest.raises(RuntimeError, match="killed midway"):
        import_bundle(fresh_db, newer / "bundle.toml")
    assert snapshot(fresh_db) == before
    assert scalar(fresh_db, "SELECT count(*) FROM practice_register WHERE name = 'RENAMED'") == 0
    assert scalar(fresh_db, "SELECT count(*) FROM extracts WHERE kind = 'practices'") == 1


def test_manifest_errors(fresh_db, tmp_path):
    (tmp_path / "m.toml").write_text('[practices]\nfile = "nowhere.csv"\n')
    with pytest.raises(InputFileError) as err:
        import_bundle(fresh_db, tmp_path / "m.toml")
    assert err.value.detail == f"m.toml, field 'practices': [practices] file not found: {tmp_path / 'nowhere.csv'}"
    (tmp_path / "s.toml").write_text('[surgeries]\nfile = "x.csv"\n')
    with pytest.raises(InputFileError) as err:
        import_bundle(fresh_db, tmp_path / "s.toml")
    assert err.value.detail.startswith("s.toml, field 'surgeries': unknown section [surgeries]")
    (tmp_path / "d.toml").write_text(
        f'[practices]\nfile = "{DATA / "epraccur_header.csv"}"\nextract_date = "Dec 2019"\n'
    )
    with pytest.raises(InputFileError) as err:
        import_bundle(fresh_db, tmp_path / "d.toml")
    assert err.value.detail == "d.toml, field 'practices': [practices] extract_date must be a TOML date like 2019-12-01"
    (tmp_path / "t.toml").write_text("[practices\n")
    with pytest.raises(InputFileError) as err:
        import_bundle(fresh_db, tmp_path / "t.toml")
    assert err.value.detail.startswith("t.toml: not a valid TOML manifest")


def test_cli_summaries_and_clean_errors(fresh_db_url, tmp_path):
    runner = CliRunner()
    env = {"DATABASE_URL": fresh_db_url}
    ok = runner.invoke(main, ["import", "bundle", str(MANIFEST)], env=env)
    assert ok.exit_code == 0, ok.output
    assert "boundaries: 2 added, 0 updated, 0 unchanged; 1 made valid, 1 new boundary set" in ok.output
    assert "practices: 6 added, 0 updated, 0 unchanged, 1 closed; 6 new practices, 1 not GP practices" in ok.output
    assert "memberships: 5 added, 0 updated, 0 unchanged\n" in ok.output
    again = runner.invoke(main, ["import", "practices", str(DATA / "epraccur_headerless.csv")], env=env)
    assert again.exit_code == 0
    assert "practices: 0 added, 0 updated, 6 unchanged; 1 not GP practices" in again.output
    other = runner.invoke(
        main, ["import", "practices", str(DATA / "epraccur_header.csv"), "--extract-date", "2020-01-01"], env=env
    )
    assert other.exit_code == 0
    assert "practices: 6 added, 0 updated, 0 unchanged, 1 closed; 1 not GP practices" in other.output
    (tmp_path / "empty.csv").write_bytes(b"")
    bad = runner.invoke(main, ["import", "list-sizes", str(tmp_path / "empty.csv")], env=env)
    assert bad.exit_code == 1
    assert bad.output.strip() == "Error: empty.csv: the file is empty (0 bytes)"
    assert "Traceback" not in bad.output
    (tmp_path / "t.geojson").write_text('{"type": "FeatureCollection", "features": [')
    bad = runner.invoke(
        main,
        ["import", "boundaries", str(tmp_path / "t.geojson"), "--set", "X", "--level", "ccg", "--vintage", "2019"],
        env=env,
    )
    assert bad.exit_code == 1
    assert bad.output.startswith("Error: t.geojson, line 1: not valid JSON, the file may be truncated")
