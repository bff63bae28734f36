"""ePCN (CSV pair and .xlsx found by header rows) and proposed network polygons."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from openpyxl import Workbook

from geo_service.errors import InputFileError, NotFound
from geo_service.ingest.networks import import_network_polygons
from geo_service.ingest.pcn import import_pcn
from geo_service.ingest.practices import import_practices
from tests.ingest.conftest import DATA, scalar, snapshot

CSVS = [DATA / "epcn_pcn_details.csv", DATA / "epcn_core_partner_details.csv"]


@pytest.fixture
def practices_db(fresh_db):
    import_practices(fresh_db, DATA / "epraccur_headerless.csv")
    return fresh_db


def _memberships(db):
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT n.code, p.ods_code, m.start_date, m.end_date,
                      (m.end_date IS NULL OR m.end_date >= current_date) AS current
                 FROM memberships m JOIN networks n ON n.id = m.network_id JOIN practices p ON p.id = m.practice_id
                ORDER BY n.code, p.ods_code"""
        )
        return cur.fetchall()


def test_epcn_csv_pair(practices_db):
    nets, mems = import_pcn(practices_db, CSVS, "Test ePCN 2019")
    assert nets.summary() == "networks: 2 added, 0 updated, 0 unchanged; 1 new scenario"
    assert mems.summary() == "memberships: 5 added, 0 updated, 0 unchanged; 1 partners added"
    start = date(2019, 7, 1)
    assert _memberships(practices_db) == [
        ("U00001", "A81001", start, None, True),
        ("U00001", "A81002", start, None, True),
        ("U00002", "A81003", start, date(2020, 3, 31), False),
        ("U00002", "A81004", start, None, True),
        ("U00002", "Y00001", start, None, True),
    ]
    assert scalar(
        practices_db, "SELECT string_agg(code || ':' || lead_commissioner_code, ',' ORDER BY code) FROM networks"
    ) == ("U00001:09C,U00002:09E")
    assert scalar(practices_db, "SELECT slug FROM scenarios") == "test-epcn-2019"
    # The non-GP core partner is kept as a practice row with no prescribing setting.
    assert scalar(practices_db, "SELECT prescribing_setting IS NULL FROM practices WHERE ods_code = 'Y00001'")


def test_epcn_reimport_is_a_no_op_and_newer_file_updates(practices_db, tmp_path):
    import_pcn(practices_db, CSVS, "Test ePCN 2019")
    before = snapshot(practices_db)
    nets, mems = import_pcn(practices_db, CSVS, "Test ePCN 2019")
    assert (nets.added, nets.updated, nets.unchanged, mems.added, mems.updated, mems.unchanged) == (0, 0, 2, 0, 0, 5)
    assert snapshot(practices_db) == before
    rows = list(csv.reader(open(CSVS[1], newline="")))
    rows[1][9] = "20210331"  # A81001 leaves U00001
    del rows[5]  # Y00001 no longer listed
    newer = tmp_path / "partners_newer.csv"
    with open(newer, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    nets, mems = import_pcn(practices_db, [CSVS[0], newer], "Test ePCN 2019")
    assert (mems.added, mems.updated, mems.unchanged, mems.closed, mems.notes["removed"]) == (0, 1, 3, 1, 1)
    assert [m[4] for m in _memberships(practices_db)] == [False, True, False, True]


def _workbook(path, sheets: dict[str, list[list]]):
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
    wb.save(path)


def _csv_rows(p):
    return list(csv.reader(open(p, newline="")))


def test_epcn_xlsx_sheets_found_by_header_rows(practices_db, tmp_path):
    details = _csv_rows(CSVS[0])
    partners = _csv_rows(CSVS[1])
    # Real-style headers ("PCN Code"), a title block above them, odd sheet names, dates as numbers.
    details[0] = [h.replace("_", " ").title() for h in details[0]]
    partners[0] = [h.replace("_", " ").title() for h in partners[0]]
    for r in partners[1:]:
        r[8] = int(r[8])
    _workbook(
        tmp_path / "ePCN.xlsx",
        {
            "Notes": [["About this file"], ["Published by NHS Digital"]],
            "Sheet A": [["ePCN extract"], [], *details],
            "Sheet B": [["Core partners"], *partners],
        },
    )
    nets, mems = import_pcn(practices_db, [tmp_path / "ePCN.xlsx"], "Test ePCN xlsx")
    assert (nets.added, mems.added) == (2, 5)
    assert _memberships(practices_db)[2][3] == date(2020, 3, 31)


def test_xlsx_without_the_expected_sheets(practices_db, tmp_path):
    _workbook(tmp_path / "other.xlsx", {"Sheet1": [["Practice", "Size"], ["A81001", 5000]]})
    before = snapshot(practices_db)
    with pytest.raises(InputFileError) as err:
        import_pcn(practices_db, [tmp_path / "other.xlsx"], "Test")
    assert err.value.detail == (
        "other.xlsx: no PCN details or core partner details sheet found (looked for header rows with "
        "'PCN Code' and 'PCN Name', or 'Partner Organisation Code' and 'PCN Code')"
    )
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04not really")
    with pytest.raises(InputFileError) as err:
        import_pcn(practices_db, [tmp_path / "broken.xlsx"], "Test")
    assert err.value.detail == "broken.xlsx: cannot be read as an Excel .xlsx workbook"
    assert snapshot(practices_db) == before


def test_bad_epcn_rows(practices_db, tmp_path):
    rows = _csv_rows(CSVS[1])
    rows[2][9] = "20180101"
    bad = tmp_path / "partners.csv"
    with open(bad, "w", newline="") as fh:
        csv.writer(fh).writerows(rows)
    with pytest.raises(InputFileError) as err:
        import_pcn(practices_db, [CSVS[0], bad], "Test")
    assert err.value.detail == (
        "partners.csv, line 3, field 'practice_to_pcn_relationship_end_date': "
        "end date 20180101 is before start date 20190701"
    )
    (tmp_path / "x.csv").write_text("code,name\nU1,X\n")
    with pytest.raises(InputFileError) as err:
        import_pcn(practices_db, [tmp_path / "x.csv"], "Test")
    assert err.value.detail.startswith("x.csv, line 1: missing columns: expected PCN details")
    assert scalar(practices_db, "SELECT count(*) FROM scenarios") == 0


def test_network_polygons(practices_db):
    import_pcn(practices_db, CSVS, "Test ePCN 2019")
    report = import_network_polygons(practices_db, DATA / "pcn_polygons.geojson", "Test ePCN 2019")
    assert (
        report.summary() == "network polygons: 2 added, 0 updated, 0 unchanged; 1 made valid, 1 codes not in scenario"
    )
    with practices_db.connection() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT code, geom_made_valid, ST_IsValid(geom), ST_NumGeometries(geom) FROM networks ORDER BY code"
        )
        assert cur.fetchall() == [("U00001", False, True, 1), ("U00002", True, True, 2)]
    before = snapshot(practices_db)
    again = import_network_polygons(practices_db, DATA / "pcn_polygons.geojson", "Test ePCN 2019")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert snapshot(practices_db) == before
    with pytest.raises(NotFound):
        import_network_polygons(practices_db, DATA / "pcn_polygons.geojson", "No such scenario")
    with pytest.raises(InputFileError) as err:
        import_network_polygons(practices_db, DATA / "ccg_boundaries.geojson", "Test ePCN 2019")
    assert err.value.detail == (
        "ccg_boundaries.geojson: no network code field found (use --code-field); fields: CCG19CD, CCG19CDH, CCG19NM"
    )


def test_network_polygons_from_kml(practices_db, tmp_path):
    import geopandas as gpd

    import_pcn(practices_db, CSVS, "Test ePCN 2019")
    gdf = gpd.read_file(DATA / "pcn_polygons.geojson").iloc[[0]]
    gdf.to_file(tmp_path / "pcn.kml", driver="KML")
    report = import_network_polygons(practices_db, tmp_path / "pcn.kml", "Test ePCN 2019", code_field="pcn_code")
    assert (report.added, report.notes["codes not in scenario"]) == (1, 0)
    assert scalar(practices_db, "SELECT ST_XMin(geom) FROM networks WHERE code = 'U00001'") == pytest.approx(0.6)
