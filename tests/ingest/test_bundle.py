"""Bundles: a whole vintage in one transaction; re-running is a no-op; a failure midway changes nothing."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from geo_service.cli import main
from geo_service.db.repositories import imports_networks
from geo_service.errors import InputFileError
from geo_service.ingest.bundle import import_bundle
from tests.ingest.conftest import DATA, scalar, snapshot

MANIFEST = DATA / "bundle.toml"


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
    assert scalar(fresh_db, "SELECT count(*) FROM practices WHERE status = 'active' AND prescribing_setting = 4") == 4
    assert scalar(fresh_db, "SELECT count(*) FROM practices WHERE location IS NOT NULL") == 4
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
    assert scalar(fresh_db, "SELECT count(*) FROM practices WHERE name = 'RENAMED'") == 0


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
    assert "memberships: 5 added, 0 updated, 0 unchanged; 1 partners added" in ok.output
    again = runner.invoke(main, ["import", "practices", str(DATA / "epraccur_header.csv")], env=env)
    assert again.exit_code == 0
    assert "practices: 0 added, 0 updated, 5 unchanged; 1 skipped (not GP practices)" in again.output
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
