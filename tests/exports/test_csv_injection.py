"""CSV injection: every CSV the service writes defuses cells a spreadsheet would run as formulas.

Practices and networks named like formulas are loaded through the importers (the test bundle with its
names poisoned), then every CSV output is read back: ``export?format=csv`` (each layer),
``geo-service export --format csv``, ``checks.csv`` and ``geo-service check --format csv``.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from geo_service.cli import main
from geo_service.csv_output import FORMULA_PREFIXES, csv_text, defuse_cell
from tests.conftest import make_app
from tests.ingest.conftest import DATA

SCENARIO = "test-epcn-2019"
PRACTICE_EVIL = '=HYPERLINK("http://evil","click")'
NETWORK_EVIL = "+SUM(1,2)"
PARTNER_EVIL = "@cmd|' /C calc'!A0"
CCG_EVIL = "-2+3"


@pytest.mark.parametrize(
    "value, written",
    [
        (PRACTICE_EVIL, "'" + PRACTICE_EVIL),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("plain = text", "plain = text"),
        ("", ""),
        (None, ""),
        (float("nan"), ""),
        (-1.5, -1.5),  # numbers stay numbers
        (7, 7),
    ],
)
def test_defuse_cell(value, written):
    assert defuse_cell(value) == written


def test_csv_text_defuses_header_and_rows():
    text = csv_text(["name", "=x"], [[PRACTICE_EVIL, -3]])
    assert list(csv.reader(io.StringIO(text))) == [["name", "'=x"], ["'" + PRACTICE_EVIL, "-3"]]
    assert text.endswith("\r\n")


def _rewrite(src: Path, dest: Path, encoding: str, change) -> None:
    with src.open(encoding=encoding, newline="") as fh:
        rows = list(csv.reader(fh))
    with dest.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows([change(r) for r in rows])


@pytest.fixture(scope="module")
def poisoned_db_url(maintenance_url, template_db, tmp_path_factory):
    """A database holding the test bundle with formula-like practice, partner, network and CCG names."""
    from tests.conftest import clone_database, drop_database

    folder = tmp_path_factory.mktemp("poisoned")
    for f in DATA.iterdir():
        if f.is_file():
            shutil.copy(f, folder / f.name)

    def practice(r):
        return [r[0], PRACTICE_EVIL, *r[2:]] if r[0] == "A81001" else r

    def details(r):
        return [r[0], NETWORK_EVIL, *r[2:]] if r[0] == "U00001" else r

    def partners(r):
        if r[0] == "A81002":
            r = [r[0], PARTNER_EVIL, *r[2:]]
        return [*r[:5], NETWORK_EVIL, *r[6:]] if r[4] == "U00001" else r

    areas = json.loads((DATA / "ccg_boundaries.geojson").read_text(encoding="utf-8"))
    for feature in areas["features"]:
        if feature["properties"]["CCG19CDH"] == "09C":
            feature["properties"]["CCG19NM"] = CCG_EVIL
    (folder / "ccg_boundaries.geojson").write_text(json.dumps(areas), encoding="utf-8")

    _rewrite(DATA / "epraccur_headerless.csv", folder / "epraccur_headerless.csv", "latin-1", practice)
    _rewrite(DATA / "epcn_pcn_details.csv", folder / "epcn_pcn_details.csv", "utf-8", details)
    _rewrite(DATA / "epcn_core_partner_details.csv", folder / "epcn_core_partner_details.csv", "utf-8", partners)
    url = clone_database(maintenance_url, template_db, "csv_injection")
    res = CliRunner(env={"DATABASE_URL": url}).invoke(main, ["import", "bundle", str(folder / "bundle.toml")])
    assert res.exit_code == 0, res.output
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _assert_defused(text: str, expected: set[str]) -> None:
    """No cell would run as a formula, and the poisoned names are there, apostrophe-prefixed."""
    rows = _cells(text)
    cells = {c for r in rows for c in r}
    for cell in cells:
        if cell.startswith(FORMULA_PREFIXES):
            float(cell)  # only a plain number (a negative coordinate, say) may start with '-'
    for name in expected:
        assert "'" + name in cells, (name, rows[:3])


LAYER_NAMES = {
    "practices": {PRACTICE_EVIL, NETWORK_EVIL},
    "networks": {NETWORK_EVIL},
    "memberships": {NETWORK_EVIL, PRACTICE_EVIL},
    "areas": {CCG_EVIL},
}


@pytest.fixture(scope="module")
def client(poisoned_db_url):
    app = make_app(poisoned_db_url)
    yield app.test_client()
    app.extensions["geo_db"].close()


@pytest.mark.parametrize("layer", sorted(LAYER_NAMES))
def test_export_csv_route_defuses_formulas(client, layer):
    res = client.get(f"/api/v1/scenarios/{SCENARIO}/export?format=csv&layer={layer}")
    assert res.status_code == 200, res.get_data(as_text=True)
    _assert_defused(res.get_data(as_text=True), LAYER_NAMES[layer])


@pytest.mark.parametrize("layer, crs", [("practices", "27700"), ("memberships", "4326"), ("areas", "27700")])
def test_export_csv_command_defuses_formulas(poisoned_db_url, tmp_path, layer, crs):
    out = tmp_path / f"{layer}.csv"
    res = CliRunner(env={"DATABASE_URL": poisoned_db_url}).invoke(
        main, ["export", "--scenario", SCENARIO, "--format", "csv", "--layer", layer, "--crs", crs, "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    _assert_defused(out.read_text(encoding="utf-8"), LAYER_NAMES[layer])


def test_checks_csv_route_defuses_formulas(client):
    res = client.get(f"/api/v1/scenarios/{SCENARIO}/checks.csv")
    assert res.status_code == 200
    _assert_defused(res.get_data(as_text=True), {NETWORK_EVIL})


def test_check_command_csv_defuses_formulas(poisoned_db_url):
    res = CliRunner(env={"DATABASE_URL": poisoned_db_url}).invoke(
        main, ["check", "--scenario", SCENARIO, "--format", "csv"]
    )
    assert res.exit_code == 0, res.output
    _assert_defused(res.stdout, {NETWORK_EVIL})
