"""List sizes (gp-reg-pat-prac-all) and postcode centroids (Code-Point Open, ONSPD lat/long)."""

from __future__ import annotations

from datetime import date

import pytest

from geo_service.errors import InputFileError
from geo_service.ingest.boundaries import import_boundaries
from geo_service.ingest.list_sizes import import_list_sizes
from geo_service.ingest.postcodes import import_postcodes
from geo_service.ingest.practices import import_practices
from tests.ingest.conftest import DATA, scalar, snapshot


@pytest.fixture
def practices_db(fresh_db):
    import_practices(fresh_db, DATA / "epraccur_headerless.csv")
    return fresh_db


def _sizes(db):
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT ods_code, list_size, list_size_date FROM practices ORDER BY ods_code")
        return cur.fetchall()


def test_list_sizes_and_extract_date(practices_db):
    report = import_list_sizes(practices_db, DATA / "gp-reg-pat-prac-all.csv")
    assert report.summary() == "list sizes: 3 added, 0 updated, 0 unchanged; 1 unknown practices"
    jan = date(2021, 1, 1)
    assert _sizes(practices_db) == [
        ("A81001", 5000, jan),
        ("A81002", 7000, jan),
        ("A81003", None, None),
        ("A81004", 3000, jan),
        ("W91001", None, None),
    ]
    assert scalar(practices_db, "SELECT extract_date FROM sources WHERE kind = 'list_sizes'") == jan
    before = snapshot(practices_db)
    again = import_list_sizes(practices_db, DATA / "gp-reg-pat-prac-all.csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert snapshot(practices_db) == before


def test_list_size_file_links_ods_and_gss_codes(fresh_db, tmp_path):
    import json

    fc = json.loads((DATA / "ccg_boundaries.geojson").read_text())
    for f in fc["features"]:
        del f["properties"]["CCG19CDH"]
    (tmp_path / "b.geojson").write_text(json.dumps(fc))
    import_boundaries(fresh_db, tmp_path / "b.geojson", "Test", "ccg", "2019-04")
    report = import_list_sizes(fresh_db, DATA / "gp-reg-pat-prac-all.csv")
    assert report.notes["area codes linked"] == 2
    assert scalar(fresh_db, "SELECT string_agg(ods_code || '=' || gss_code, ',' ORDER BY ods_code) FROM areas") == (
        "09C=E38000002,09E=E38000045"
    )


def test_total_rows_are_chosen_from_a_breakdown_file(practices_db, tmp_path):
    text = (
        "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
        'GP_PRAC_PAT_LIST,01Apr2022,Total,09C,E38000002,A81001,CT1 1AA,ALL,ALL,"5,100"\n'
        "GP_PRAC_PAT_LIST,01Apr2022,Male,09C,E38000002,A81001,CT1 1AA,MALE,ALL,2500\n"
        "GP_PRAC_PAT_LIST,01Apr2022,Female,09C,E38000002,A81001,CT1 1AA,FEMALE,ALL,2600\n"
    )
    (tmp_path / "by_sex.csv").write_text(text)
    report = import_list_sizes(practices_db, tmp_path / "by_sex.csv")
    assert report.added == 1
    assert _sizes(practices_db)[0] == ("A81001", 5100, date(2022, 4, 1))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "EXTRACT_DATE,CODE,SEX,AGE\n01JAN2021,A81001,ALL,ALL\n",
            "bad.csv, line 1: missing column 'NUMBER_OF_PATIENTS'; found extract_date, code, sex, age",
        ),
        (
            "EXTRACT_DATE,CODE,NUMBER_OF_PATIENTS\n01JAN2021,A81001,12\n01JAN2021,A81002,lots\n",
            "bad.csv, line 3, field 'NUMBER_OF_PATIENTS': number of patients 'lots' is not a whole number",
        ),
        (
            "EXTRACT_DATE,CODE,NUMBER_OF_PATIENTS\n2021-13-01,A81001,12\n",
            "bad.csv, line 2, field 'EXTRACT_DATE': bad date '2021-13-01' (expected e.g. 01JAN2021)",
        ),
        (
            "EXTRACT_DATE,CODE,NUMBER_OF_PATIENTS\n01JAN2021,A81001,12\n01JAN2021,A81001,13\n",
            "bad.csv, line 3, field 'CODE': duplicate practice code 'A81001' (first on line 2)",
        ),
    ],
)
def test_bad_list_size_files_change_nothing(practices_db, tmp_path, content, message):
    (tmp_path / "bad.csv").write_text(content)
    before = snapshot(practices_db)
    with pytest.raises(InputFileError) as err:
        import_list_sizes(practices_db, tmp_path / "bad.csv")
    assert err.value.detail == message
    assert snapshot(practices_db) == before


def _locations(db):
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT ods_code, round(ST_X(location)::numeric, 4), round(ST_Y(location)::numeric, 4)"
            " FROM practices ORDER BY ods_code"
        )
        return [(c, float(x) if x is not None else None, float(y) if y is not None else None) for c, x, y in cur]


EXPECTED_LOCATIONS = [
    ("A81001", 0.75, 51.15),
    ("A81002", 0.8, 51.2),
    ("A81003", 1.25, 51.05),
    ("A81004", None, None),
    ("W91001", -3.18, 51.48),
]


def test_codepoint_open_headerless_eastings_northings(practices_db):
    report = import_postcodes(practices_db, DATA / "codepoint_headerless.csv")
    assert (report.added, report.updated, report.unchanged) == (4, 0, 0)
    assert report.notes["active practices not found"] == 1  # A81004, ZZ9 9ZZ
    assert _locations(practices_db) == EXPECTED_LOCATIONS
    before = snapshot(practices_db)
    again = import_postcodes(practices_db, DATA / "codepoint_headerless.csv")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 4)
    assert snapshot(practices_db) == before


def test_onspd_latitude_longitude_and_postcode_spacing(practices_db):
    report = import_postcodes(practices_db, DATA / "onspd_latlong.csv")
    assert report.added == 4
    assert _locations(practices_db) == EXPECTED_LOCATIONS


def test_postcode_file_without_coordinates(practices_db, tmp_path):
    (tmp_path / "pc.csv").write_text("postcode,quality\nCT1 1AA,10\n")
    with pytest.raises(InputFileError) as err:
        import_postcodes(practices_db, tmp_path / "pc.csv")
    assert err.value.detail == (
        "pc.csv, line 1: missing coordinate columns: need eastings and northings, or latitude and longitude; "
        "found postcode, quality"
    )
    (tmp_path / "pc2.csv").write_text("postcode,eastings,northings\nCT1 1AA,abc,150000\n")
    with pytest.raises(InputFileError) as err:
        import_postcodes(practices_db, tmp_path / "pc2.csv")
    assert err.value.detail == "pc2.csv, line 2, field 'eastings': 'abc' is not a number"
    assert scalar(practices_db, "SELECT count(location) FROM practices") == 0
