"""ePCN (CSV pair and .xlsx found by header rows) and proposed network polygons."""

from __future__ import annotations

import csv
import logging
from datetime import date

import pytest
from openpyxl import Workbook
from psycopg2 import sql

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories import scope as scope_repo
from geo_service.errors import InputFileError, NotFound
from geo_service.ingest.boundaries import import_boundaries
from geo_service.ingest.networks import import_network_polygons
from geo_service.ingest.pcn import import_pcn
from geo_service.ingest.practices import import_practices
from geo_service.scope import resolve_scope
from tests.ingest.conftest import DATA, data_version, rows, scalar, snapshot, state_of

CSVS = [DATA / "epcn_pcn_details.csv", DATA / "epcn_core_partner_details.csv"]
DEC_2019 = date(2019, 12, 4)
START = date(2019, 7, 1)


@pytest.fixture
def practices_db(fresh_db):
    """A register, and a boundary set (a scope needs one)."""
    import_boundaries(fresh_db, DATA / "ccg_boundaries.geojson", "Test CCGs 2019", "ccg", "2019-04")
    import_practices(fresh_db, DATA / "epraccur_headerless.csv", date(2019, 12, 1))
    return fresh_db


def _memberships(db):
    """(network, practice, start, end, name and commissioner as the membership file gives them)."""
    return rows(
        db,
        """SELECT n.code, p.ods_code, m.start_date, m.end_date, m.member_name, m.member_commissioner_code
             FROM memberships m JOIN networks n ON n.id = m.network_id JOIN practices p ON p.id = m.practice_id
            ORDER BY n.code, p.ods_code""",
    )


def _current(db, scenario: str, as_of=None) -> list[tuple]:
    """(network, practice) of the memberships current on the scope's date (the scenario's own by default)."""
    with db.connection() as conn, dict_cursor(conn) as cur:
        scope = resolve_scope(conn, scenario, as_of=as_of)
        cur.execute(
            sql.SQL(
                """SELECT n.code, p.ods_code FROM memberships m
                     JOIN networks n ON n.id = m.network_id JOIN practices p ON p.id = m.practice_id
                    WHERE m.scenario_id = %(scenario_id)s AND {current} ORDER BY n.code, p.ods_code"""
            ).format(current=scope_repo.current_membership("m")),
            scope.values(),
        )
        return [(r["code"], r["ods_code"]) for r in cur.fetchall()]


MEMBERSHIPS = [
    ("U00001", "A81001", START, None, "THE DENSHAM SURGERY", "09C"),
    ("U00001", "A81002", START, None, "CAFE HEALTH CENTRE", "09C"),
    ("U00002", "A81003", START, date(2020, 3, 31), "OLD SURGERY", "09E"),
    ("U00002", "A81004", START, None, "NO POSTCODE MATCH", "09E"),
    ("U00002", "Y00001", START, None, "WALK IN CENTRE", "09C"),
]


def test_epcn_csv_pair(practices_db):
    nets, mems = import_pcn(practices_db, CSVS, "Test ePCN 2019", DEC_2019)
    assert nets.summary() == "networks: 2 added, 0 updated, 0 unchanged; 1 new scenario"
    # Y00001 (a walk-in centre) is in the register as a non-GP row: no identity had to be added for it.
    assert mems.summary() == "memberships: 5 added, 0 updated, 0 unchanged"
    assert nets.scenario_slug == mems.scenario_slug == "test-epcn-2019"
    assert nets.extract_id == mems.extract_id is not None
    assert _memberships(practices_db) == MEMBERSHIPS
    assert scalar(
        practices_db, "SELECT string_agg(code || ':' || lead_commissioner_code, ',' ORDER BY code) FROM networks"
    ) == ("U00001:09C,U00002:09E")
    with practices_db.connection() as conn, dict_cursor(conn) as cur:
        cur.execute("SELECT slug, dataset, as_of, nation, source_id, register_extract_id FROM scenarios")
        assert cur.fetchall() == [
            {
                "slug": "test-epcn-2019",
                "dataset": "real",
                "as_of": DEC_2019,
                "nation": "england",
                "source_id": nets.extract_id,
                "register_extract_id": None,  # not pinned: the scope takes the register nearest its date
            }
        ]
    assert rows(practices_db, "SELECT kind, file_name, extract_date FROM extracts WHERE kind = 'pcn' ORDER BY id") == [
        ("pcn", "epcn_pcn_details.csv", DEC_2019),
        ("pcn", "epcn_core_partner_details.csv", DEC_2019),
    ]
    # Currency is on the scenario's date: A81003's membership ends after 4 Dec 2019, so it is current then,
    # and not on 1 April 2020.
    assert _current(practices_db, "test-epcn-2019") == [m[:2] for m in MEMBERSHIPS]
    assert ("U00002", "A81003") not in _current(practices_db, "test-epcn-2019", as_of="2020-04-01")


def test_partners_in_no_register_get_an_identity_only(practices_db, tmp_path):
    partners = _csv_rows(CSVS[1])
    partners.append(
        ["RXX01", "KENT COMMUNITY TRUST", "09E", "x", "U00002", "CANTERBURY PCN", "09E", "x", "20190701", "", "True"]
    )
    f = tmp_path / "partners.csv"
    with open(f, "w", newline="") as fh:
        csv.writer(fh).writerows(partners)
    _nets, mems = import_pcn(practices_db, [CSVS[0], f], "Test ePCN 2019", DEC_2019)
    assert mems.summary() == "memberships: 6 added, 0 updated, 0 unchanged; 1 partners added"
    assert scalar(practices_db, "SELECT count(*) FROM practices WHERE ods_code = 'RXX01'") == 1
    in_register = (
        "SELECT count(*) FROM practice_register r JOIN practices p ON p.id = r.practice_id WHERE p.ods_code = 'RXX01'"
    )
    assert scalar(practices_db, in_register) == 0
    assert _memberships(practices_db)[-2] == ("U00002", "RXX01", START, None, "KENT COMMUNITY TRUST", "09E")
    # In the scenario's practice state the partner is named as the file names it, not in the register and
    # never counted as a GP practice.
    state = state_of(practices_db, "test-epcn-2019")
    partner = state["RXX01"]
    assert (partner["name"], partner["commissioner_code"], partner["in_register"], partner["active_gp"]) == (
        "KENT COMMUNITY TRUST",
        "09E",
        False,
        False,
    )
    assert state["Y00001"]["in_register"] and not state["Y00001"]["active_gp"]


def test_epcn_without_a_date_is_dated_today(practices_db, caplog):
    with caplog.at_level(logging.WARNING, logger="geo_service.ingest.pcn"):
        import_pcn(practices_db, CSVS, "Test ePCN 2019")
    assert "no extract date given" in caplog.text
    assert scalar(practices_db, "SELECT as_of FROM scenarios") == date.today()


def test_epcn_reimport_is_a_no_op_and_newer_file_updates(practices_db, tmp_path):
    import_pcn(practices_db, CSVS, "Test ePCN 2019", DEC_2019)
    before = snapshot(practices_db)
    nets, mems = import_pcn(practices_db, CSVS, "Test ePCN 2019", DEC_2019)
    assert (nets.added, nets.updated, nets.unchanged, mems.added, mems.updated, mems.unchanged) == (0, 0, 2, 0, 0, 5)
    assert not nets.changed and not mems.changed
    assert snapshot(practices_db) == before
    partners = list(csv.reader(open(CSVS[1], newline="")))
    partners[1][9] = "20210331"  # A81001 leaves U00001
    del partners[5]  # Y00001 no longer listed
    newer = tmp_path / "partners_newer.csv"
    with open(newer, "w", newline="") as fh:
        csv.writer(fh).writerows(partners)
    v = data_version(practices_db)
    nets, mems = import_pcn(practices_db, [CSVS[0], newer], "Test ePCN 2019", date(2021, 4, 1))
    assert (mems.added, mems.updated, mems.unchanged, mems.closed, mems.notes["removed"]) == (0, 1, 3, 1, 1)
    assert data_version(practices_db) == v + 1
    assert [m[3] for m in _memberships(practices_db)] == [date(2021, 3, 31), None, date(2020, 3, 31), None]
    # The scenario keeps its date (set when it was created); the newer file does not move it.
    assert scalar(practices_db, "SELECT as_of FROM scenarios") == DEC_2019
    assert _current(practices_db, "test-epcn-2019", as_of="2021-04-01") == [("U00001", "A81002"), ("U00002", "A81004")]


def _workbook(path, sheets: dict[str, list[list]]):
    wb = Workbook()
    wb.remove(wb.active)
    for title, sheet_rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in sheet_rows:
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
    nets, mems = import_pcn(practices_db, [tmp_path / "ePCN.xlsx"], "Test ePCN xlsx", DEC_2019)
    assert (nets.added, mems.added) == (2, 5)
    assert _memberships(practices_db) == MEMBERSHIPS


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
    assert scalar(practices_db, "SELECT count(*) FROM extracts WHERE kind = 'pcn'") == 0


def test_network_polygons(practices_db):
    import_pcn(practices_db, CSVS, "Test ePCN 2019", DEC_2019)
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

    import_pcn(practices_db, CSVS, "Test ePCN 2019", DEC_2019)
    gdf = gpd.read_file(DATA / "pcn_polygons.geojson").iloc[[0]]
    gdf.to_file(tmp_path / "pcn.kml", driver="KML")
    report = import_network_polygons(practices_db, tmp_path / "pcn.kml", "Test ePCN 2019", code_field="pcn_code")
    assert (report.added, report.notes["codes not in scenario"]) == (1, 0)
    assert scalar(practices_db, "SELECT ST_XMin(geom) FROM networks WHERE code = 'U00001'") == pytest.approx(0.6)
