"""Practice register (epraccur) imports: every row a fact of its extract; both layouts, statuses, nations,
idempotence, a newer register as a new extract, and bad input."""

from __future__ import annotations

import gzip
from datetime import date

import pytest

from geo_service.errors import InputFileError
from geo_service.ingest.practices import import_practices, nation_of
from tests.ingest.conftest import DATA, data_version, extract, register, scalar, snapshot

REGISTER = [
    ("A81001", "THE DENSHAM SURGERY", "CT1 1AA", "09C", "active", 4, "england"),
    ("A81002", "CAFÉ HEALTH CENTRE", "CT2 2BB", "09C", "active", 4, "england"),
    ("A81003", "OLD SURGERY", "CT3 3CC", "09E", "closed", 4, "england"),
    ("A81004", "NO POSTCODE MATCH", "ZZ9 9ZZ", "09E", "active", 4, "england"),
    ("W91001", "WELSH PRACTICE", "CF10 1AA", "7A1", "active", 4, "wales"),  # Welsh LHB commissioner
    ("Y00001", "WALK IN CENTRE", "CT1 1AA", "09C", "active", 1, "england"),  # not a GP practice: kept
]


def test_headerless_latin1_register(fresh_db):
    report = import_practices(fresh_db, DATA / "epraccur_headerless.csv", date(2019, 12, 1))
    assert (report.added, report.updated, report.unchanged, report.closed) == (6, 0, 0, 1)
    assert report.notes == {"new practices": 6, "not GP practices": 1}
    assert report.summary() == (
        "practices: 6 added, 0 updated, 0 unchanged, 1 closed; 6 new practices, 1 not GP practices"
    )
    assert register(fresh_db, report.extract_id) == REGISTER
    assert extract(fresh_db, report.extract_id) == {
        "id": report.extract_id,
        "kind": "practices",
        "file_name": "epraccur_headerless.csv",
        "extract_date": date(2019, 12, 1),
        "dataset": "real",
    }
    # Identities only: one row per ODS code.
    assert scalar(fresh_db, "SELECT string_agg(ods_code, ',' ORDER BY ods_code) FROM practices") == (
        "A81001,A81002,A81003,A81004,W91001,Y00001"
    )


def test_header_layout_and_gzip_give_the_same_rows(fresh_db, tmp_path):
    first = import_practices(fresh_db, DATA / "epraccur_headerless.csv")
    before = snapshot(fresh_db, ("practice_register",))
    gz = tmp_path / "epraccur.csv.gz"
    gz.write_bytes(gzip.compress((DATA / "epraccur_header.csv").read_bytes()))
    report = import_practices(fresh_db, gz)
    # Another file is another extract: the same facts again, no new practice, the first extract untouched.
    assert report.extract_id != first.extract_id
    assert (report.added, report.updated, report.unchanged, report.notes["new practices"]) == (6, 0, 0, 0)
    assert register(fresh_db, report.extract_id) == register(fresh_db, first.extract_id) == REGISTER
    assert scalar(fresh_db, "SELECT count(*) FROM practice_register") == before["practice_register"][0] + 6


def test_reimport_is_a_no_op(fresh_db):
    first = import_practices(fresh_db, DATA / "epraccur_headerless.csv", date(2019, 12, 1))
    before = snapshot(fresh_db)
    report = import_practices(fresh_db, DATA / "epraccur_headerless.csv", date(2019, 12, 1))
    assert (report.added, report.updated, report.unchanged, report.closed) == (0, 0, 6, 0)
    assert report.extract_id == first.extract_id
    assert not report.changed
    assert snapshot(fresh_db) == before
    # Without a date the same file is still the same extract, and keeps the date it was first given.
    again = import_practices(fresh_db, DATA / "epraccur_headerless.csv")
    assert again.extract_id == first.extract_id
    assert snapshot(fresh_db) == before
    assert extract(fresh_db, first.extract_id)["extract_date"] == date(2019, 12, 1)


def test_newer_register_is_a_new_extract(fresh_db, tmp_path):
    old = import_practices(fresh_db, DATA / "epraccur_headerless.csv", date(2019, 12, 1))
    old_facts = register(fresh_db, old.extract_id)
    text = (DATA / "epraccur_header.csv").read_text(encoding="utf-8")
    text = text.replace(
        "A81001,THE DENSHAM SURGERY,Y59,Q68,1 HIGH STREET,,CANTERBURY,,,CT1 1AA,19740401,,A,",
        "A81001,THE DENSHAM SURGERY,Y59,Q68,1 HIGH STREET,,CANTERBURY,,,CT1 1AA,19740401,20200101,C,",
    )
    text = text.replace("CAFÉ HEALTH CENTRE", "CAFÉ HEALTH CENTRE (NEW NAME)")
    text += "A81005,NEW PRACTICE,Y59,Q68,,,,,,CT1 1AA,20200101,,A,B,09C,20200101,,,,,,0,,09C,,4,\n"
    newer = tmp_path / "epraccur_newer.csv"
    newer.write_text(text, encoding="utf-8")
    v = data_version(fresh_db)
    report = import_practices(fresh_db, newer, date(2020, 3, 1))
    assert (report.added, report.updated, report.unchanged, report.closed) == (7, 0, 0, 2)
    assert report.notes["new practices"] == 1
    assert data_version(fresh_db) == v + 1
    facts = {r[0]: r for r in register(fresh_db, report.extract_id)}
    assert facts["A81001"][4] == "closed"
    assert facts["A81002"][1] == "CAFÉ HEALTH CENTRE (NEW NAME)"
    assert facts["A81005"] == ("A81005", "NEW PRACTICE", "CT1 1AA", "09C", "active", 4, "england")
    # The older extract's facts are exactly as they were.
    assert register(fresh_db, old.extract_id) == old_facts == REGISTER


def test_nation_from_national_grouping(fresh_db, tmp_path):
    lines = (DATA / "epraccur_header.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    # A Welsh national grouping (W…) makes a practice Welsh whatever its commissioner; a Welsh LHB
    # commissioner (7A…) does when the grouping says nothing.
    lines[1] = lines[1].replace(",Y59,Q68,", ",W00,Q68,")
    lines[5] = lines[5].replace(",Y59,Q68,", ",,Q68,")  # W91001
    f = tmp_path / "nations.csv"
    f.write_text("".join(lines), encoding="utf-8")
    report = import_practices(fresh_db, f)
    nations = {r[0]: r[6] for r in register(fresh_db, report.extract_id)}
    assert nations == {
        "A81001": "wales",
        "A81002": "england",
        "A81003": "england",
        "A81004": "england",
        "W91001": "wales",
        "Y00001": "england",
    }
    assert nation_of("W00", "09C") == "wales"
    assert nation_of("Y59", "7A3") == "wales"
    assert nation_of("Y59", "09C") == "england"
    assert nation_of("", None) == "england"


def _bad(tmp_path, name, content: bytes) -> str:
    p = tmp_path / name
    p.write_bytes(content)
    return p


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "missing.csv",
            b"organisation_code,name,postcode,status_code,commissioner\nA1,X,CT1 1AA,A,09C\n",
            "missing.csv, line 1: missing column 'prescribing_setting'; found organisation_code, name, postcode, "
            "status_code, commissioner",
        ),
        (
            "short.csv",
            b"A81001,THE SURGERY,Y59,Q68\n",
            "short.csv, line 1: expected a header row or the 27-column headerless layout, found 4 columns",
        ),
        ("empty.csv", b"", "empty.csv: the file is empty (0 bytes)"),
        (
            "utf16.csv",
            "organisation_code,name\n".encode("utf-16"),
            "utf16.csv: the file is UTF-16 encoded; save it as UTF-8 or Latin-1 CSV",
        ),
        (
            "nogp.csv",
            b"organisation_code,name,postcode,status_code,commissioner,prescribing_setting\n"
            b"Y1,WALK IN,CT1 1AA,A,09C,1\n",
            "nogp.csv: no GP practices (prescribing setting 4) in the file",
        ),
        (
            "setting.csv",
            b"organisation_code,name,postcode,status_code,commissioner,prescribing_setting\n"
            b"A1,X,CT1 1AA,A,09C,4\nA2,Y,CT1 1AA,A,09C,GP\n",
            "setting.csv, line 3, field 'prescribing_setting': prescribing setting 'GP' is not a number",
        ),
        (
            "noname.csv",
            b"organisation_code,name,postcode,status_code,commissioner,prescribing_setting\nA1, ,CT1 1AA,A,09C,4\n",
            "noname.csv, line 2, field 'name': empty practice name",
        ),
    ],
)
def test_bad_files_change_nothing(fresh_db, tmp_path, name, content, message):
    import_practices(fresh_db, DATA / "epraccur_headerless.csv")
    before = snapshot(fresh_db)
    with pytest.raises(InputFileError) as err:
        import_practices(fresh_db, _bad(tmp_path, name, content))
    assert err.value.detail == message
    assert snapshot(fresh_db) == before


def test_duplicate_code_and_bad_date_name_line_and_field(fresh_db, tmp_path):
    lines = (DATA / "epraccur_header.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    dup = tmp_path / "dup.csv"
    dup.write_text("".join(lines + [lines[2]]), encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        import_practices(fresh_db, dup)
    assert (
        err.value.detail
        == "dup.csv, line 8, field 'organisation_code': duplicate practice code 'A81002' (first on line 3)"
    )
    bad_date = tmp_path / "date.csv"
    bad_date.write_text("".join(lines).replace("19740401", "19741301", 1), encoding="utf-8")
    with pytest.raises(InputFileError) as err:
        import_practices(fresh_db, bad_date)
    assert err.value.detail == "date.csv, line 2, field 'open_date': bad date '19741301' (expected YYYYMMDD)"
    assert scalar(fresh_db, "SELECT count(*) FROM practices") == 0
    assert scalar(fresh_db, "SELECT count(*) FROM extracts") == 0


def test_new_practices_leave_fresh_statistics_for_the_rest_of_the_bundle(fresh_db):
    """A bundle is one transaction, which autovacuum never sees: without an ANALYZE the planner kept the practices'
    statistics of before the import (an empty table, or the demo's few) and read the whole register once per
    list-size row in the next step (60 s on England after the demo instead of 0.2 s)."""
    import_practices(fresh_db, DATA / "epraccur_headerless.csv", date(2019, 12, 1))
    assert scalar(fresh_db, "SELECT reltuples::int FROM pg_class WHERE oid = 'practices'::regclass") == 6
