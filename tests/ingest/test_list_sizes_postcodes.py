"""List sizes (gp-reg-pat-prac-all) and postcode centroids (Code-Point Open, ONSPD lat/long), each the facts
of their own extract."""

from __future__ import annotations

from datetime import date

import pytest

from geo_service.demo.load import load_demo
from geo_service.errors import InputFileError
from geo_service.ingest.boundaries import import_boundaries
from geo_service.ingest.list_sizes import import_list_sizes
from geo_service.ingest.postcodes import import_postcodes
from geo_service.ingest.practices import import_practices
from tests.ingest.conftest import DATA, data_version, extract, list_sizes, points, scalar, snapshot

JAN_2021 = date(2021, 1, 1)


@pytest.fixture
def practices_db(fresh_db):
    import_practices(fresh_db, DATA / "epraccur_headerless.csv")
    return fresh_db


def test_list_sizes_and_extract_date(practices_db):
    report = import_list_sizes(practices_db, DATA / "gp-reg-pat-prac-all.csv")
    assert report.summary() == "list sizes: 4 added, 0 updated, 0 unchanged; 1 practices in no register"
    # Every row is a fact of the extract, with the CCG the practice was reported under; X99999 is in no
    # register, and gets an identity and its fact all the same.
    assert list_sizes(practices_db, report.extract_id) == [
        ("A81001", 5000, JAN_2021, "09C", "E38000002"),
        ("A81002", 7000, JAN_2021, "09C", "E38000002"),
        ("A81004", 3000, JAN_2021, "09E", "E38000045"),
        ("X99999", 100, JAN_2021, "09E", "E38000045"),
    ]
    assert scalar(practices_db, "SELECT count(*) FROM practices WHERE ods_code = 'X99999'") == 1
    in_register = (
        "SELECT count(*) FROM practice_register r JOIN practices p ON p.id = r.practice_id WHERE p.ods_code = %(c)s"
    )
    assert scalar(practices_db, in_register, {"c": "X99999"}) == 0
    ext = extract(practices_db, report.extract_id)
    assert (ext["kind"], ext["file_name"], ext["extract_date"], ext["dataset"]) == (
        "list_sizes",
        "gp-reg-pat-prac-all.csv",
        JAN_2021,
        "real",
    )
    before = snapshot(practices_db)
    again = import_list_sizes(practices_db, DATA / "gp-reg-pat-prac-all.csv")
    assert (again.added, again.updated, again.unchanged, again.extract_id) == (0, 0, 4, report.extract_id)
    assert not again.changed
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
    assert report.notes["practices in no register"] == 4  # no register loaded at all
    assert scalar(fresh_db, "SELECT string_agg(ods_code || '=' || gss_code, ',' ORDER BY ods_code) FROM areas") == (
        "09C=E38000002,09E=E38000045"
    )


def test_practices_in_no_register_of_the_real_dataset(fresh_db, tmp_path):
    """A synthetic (demo) register does not count: a real list-size file's practice found only there is in no
    register of its dataset."""
    load_demo(fresh_db)
    demo_code = scalar(
        fresh_db,
        "SELECT min(p.ods_code) FROM practice_register r JOIN practices p ON p.id = r.practice_id"
        " JOIN extracts e ON e.id = r.extract_id WHERE e.dataset = 'synthetic'",
    )
    import_practices(fresh_db, DATA / "epraccur_headerless.csv")
    text = (DATA / "gp-reg-pat-prac-all.csv").read_text().replace("X99999", demo_code)
    (tmp_path / "sizes.csv").write_text(text)
    report = import_list_sizes(fresh_db, tmp_path / "sizes.csv")
    assert (report.added, report.notes["practices in no register"]) == (4, 1)


def test_total_rows_are_chosen_from_a_breakdown_file(practices_db, tmp_path):
    text = (
        "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
        'GP_PRAC_PAT_LIST,01Apr2022,Total,09C,E38000002,A81001,CT1 1AA,ALL,ALL,"5,100"\n'
        "GP_PRAC_PAT_LIST,01Apr2022,Male,09C,E38000002,A81001,CT1 1AA,MALE,ALL,2500\n"
        "GP_PRAC_PAT_LIST,01Apr2022,Female,09C,E38000002,A81001,CT1 1AA,FEMALE,ALL,2600\n"
    )
    (tmp_path / "by_sex.csv").write_text(text)
    report = import_list_sizes(practices_db, tmp_path / "by_sex.csv")
    assert (report.added, report.notes["practices in no register"]) == (1, 0)
    assert list_sizes(practices_db, report.extract_id) == [("A81001", 5100, date(2022, 4, 1), "09C", "E38000002")]
    assert extract(practices_db, report.extract_id)["extract_date"] == date(2022, 4, 1)


def test_a_second_list_size_file_is_its_own_extract(practices_db, tmp_path):
    first = import_list_sizes(practices_db, DATA / "gp-reg-pat-prac-all.csv")
    first_facts = list_sizes(practices_db, first.extract_id)
    text = (DATA / "gp-reg-pat-prac-all.csv").read_text().replace("01JAN2021", "01APR2022").replace(",5000", ",5200")
    (tmp_path / "gp-reg-pat-prac-all.csv").write_text(text)  # the NHS files all have this name
    second = import_list_sizes(practices_db, tmp_path / "gp-reg-pat-prac-all.csv")
    assert second.extract_id != first.extract_id
    assert (second.added, second.unchanged) == (4, 0)
    assert list_sizes(practices_db, second.extract_id)[0] == ("A81001", 5200, date(2022, 4, 1), "09C", "E38000002")
    assert list_sizes(practices_db, first.extract_id) == first_facts


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
        (
            "EXTRACT_DATE,CODE,NUMBER_OF_PATIENTS\n01JAN2021,,12\n",
            "bad.csv, line 2, field 'CODE': empty practice code",
        ),
        (
            "EXTRACT_DATE,CODE,SEX,AGE,NUMBER_OF_PATIENTS\n01JAN2021,A81001,MALE,ALL,12\n",
            "bad.csv: no practice total rows (SEX=ALL, AGE=ALL) in the file",
        ),
    ],
)
def test_bad_list_size_files_change_nothing(practices_db, tmp_path, content, message):
    import_list_sizes(practices_db, DATA / "gp-reg-pat-prac-all.csv")
    (tmp_path / "bad.csv").write_text(content)
    before = snapshot(practices_db)
    with pytest.raises(InputFileError) as err:
        import_list_sizes(practices_db, tmp_path / "bad.csv")
    assert err.value.detail == message
    assert snapshot(practices_db) == before


# The register's postcodes (CT1 1AA, CT2 2BB, CT3 3CC, CF10 1AA, ZZ9 9ZZ): ZZ9 9ZZ is in no postcode file;
# CT9 9XX is in the files but in no register, so it is not kept.
EXPECTED_POINTS = [
    ("CF101AA", -3.18, 51.48),
    ("CT11AA", 0.75, 51.15),
    ("CT22BB", 0.8, 51.2),
    ("CT33CC", 1.25, 51.05),
]


def test_codepoint_open_headerless_eastings_northings(practices_db):
    report = import_postcodes(practices_db, DATA / "codepoint_headerless.csv", date(2020, 10, 1))
    assert (report.added, report.updated, report.unchanged) == (4, 0, 0)
    assert report.notes["active practices not found"] == 1  # A81004, ZZ9 9ZZ
    assert report.notes["register postcodes not in the file"] == 1
    assert report.notes["without coordinates"] == 0
    assert points(practices_db, report.extract_id) == EXPECTED_POINTS
    ext = extract(practices_db, report.extract_id)
    assert (ext["kind"], ext["file_name"], ext["extract_date"], ext["dataset"]) == (
        "postcodes",
        "codepoint_headerless.csv",
        date(2020, 10, 1),
        "real",
    )
    before = snapshot(practices_db)
    again = import_postcodes(practices_db, DATA / "codepoint_headerless.csv", date(2020, 10, 1))
    assert (again.added, again.updated, again.unchanged, again.extract_id) == (0, 0, 4, report.extract_id)
    assert not again.changed
    assert snapshot(practices_db) == before


def test_onspd_latitude_longitude_and_postcode_spacing(practices_db):
    report = import_postcodes(practices_db, DATA / "onspd_latlong.csv")
    assert report.added == 4
    assert points(practices_db, report.extract_id) == EXPECTED_POINTS


def test_reimport_after_a_new_register_adds_its_postcodes_only(practices_db, tmp_path):
    first = import_postcodes(practices_db, DATA / "codepoint_headerless.csv")
    before = points(practices_db, first.extract_id)
    text = (DATA / "epraccur_header.csv").read_text(encoding="utf-8")
    text += "A81009,MARGATE SURGERY,Y59,Q68,,,,,,CT9 9XX,20200101,,A,B,09E,20200101,,,,,,0,,09E,,4,\n"
    (tmp_path / "epraccur_newer.csv").write_text(text, encoding="utf-8")
    import_practices(practices_db, tmp_path / "epraccur_newer.csv")
    v = data_version(practices_db)
    again = import_postcodes(practices_db, DATA / "codepoint_headerless.csv")
    assert again.extract_id == first.extract_id  # the same file is the same extract
    assert (again.added, again.unchanged) == (1, 4)
    assert data_version(practices_db) == v + 1
    after = points(practices_db, first.extract_id)
    assert [p for p in after if p not in before] == [("CT99XX", 1.4, 51.38)]
    assert [p for p in after if p in before] == before


def test_postcode_file_without_coordinates(practices_db, tmp_path):
    before = snapshot(practices_db)
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
    (tmp_path / "pc3.csv").write_text("pcds,lat,long\nCT1 1AA,51.1,0.7\nct11aa,51.2,0.8\n")
    with pytest.raises(InputFileError) as err:
        import_postcodes(practices_db, tmp_path / "pc3.csv")
    assert err.value.detail == "pc3.csv, line 3, field 'pcds': duplicate postcode 'ct11aa' (first on line 2)"
    (tmp_path / "pc4.csv").write_text("pcds,lat,long\nCT1 1AA,151.1,0.7\n")
    with pytest.raises(InputFileError) as err:
        import_postcodes(practices_db, tmp_path / "pc4.csv")
    assert err.value.detail == "pc4.csv, line 2, field 'lat': latitude 151.1 / longitude 0.7 out of range"
    assert scalar(practices_db, "SELECT count(*) FROM postcode_points") == 0
    assert snapshot(practices_db) == before
