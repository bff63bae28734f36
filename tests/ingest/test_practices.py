"""Practice register (epraccur) imports: both layouts, statuses, idempotence, updates and bad input."""

from __future__ import annotations

import gzip

import pytest

from geo_service.errors import InputFileError
from geo_service.ingest.practices import import_practices
from tests.ingest.conftest import DATA, data_version, scalar, snapshot


def _rows(db):
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT ods_code, name, postcode, commissioner_code, status, prescribing_setting FROM practices "
            "ORDER BY ods_code"
        )
        return cur.fetchall()


def test_headerless_latin1_register(fresh_db):
    report = import_practices(fresh_db, DATA / "epraccur_headerless.csv")
    assert (report.added, report.updated, report.unchanged, report.closed) == (5, 0, 0, 0)
    assert report.notes["skipped (not GP practices)"] == 1
    assert report.summary() == "practices: 5 added, 0 updated, 0 unchanged; 1 skipped (not GP practices)"
    assert _rows(fresh_db) == [
        ("A81001", "THE DENSHAM SURGERY", "CT1 1AA", "09C", "active", 4),
        ("A81002", "CAFÉ HEALTH CENTRE", "CT2 2BB", "09C", "active", 4),
        ("A81003", "OLD SURGERY", "CT3 3CC", "09E", "closed", 4),
        ("A81004", "NO POSTCODE MATCH", "ZZ9 9ZZ", "09E", "active", 4),
        ("W91001", "WELSH PRACTICE", "CF10 1AA", "7A1", "active", 4),
    ]
    assert scalar(fresh_db, "SELECT s.file_name FROM practices p JOIN sources s ON s.id = p.source_id LIMIT 1") == (
        "epraccur_headerless.csv"
    )


def test_header_layout_and_gzip_give_the_same_rows(fresh_db, tmp_path):
    import_practices(fresh_db, DATA / "epraccur_headerless.csv")
    expected = _rows(fresh_db)
    gz = tmp_path / "epraccur.csv.gz"
    gz.write_bytes(gzip.compress((DATA / "epraccur_header.csv").read_bytes()))
    report = import_practices(fresh_db, gz)
    # Same data from another file: nothing counted as changed.
    assert (report.added, report.updated, report.unchanged) == (0, 0, 5)
    assert _rows(fresh_db) == expected


def test_reimport_is_a_no_op(fresh_db):
    import_practices(fresh_db, DATA / "epraccur_headerless.csv")
    before = snapshot(fresh_db)
    report = import_practices(fresh_db, DATA / "epraccur_headerless.csv")
    assert (report.added, report.updated, report.unchanged, report.closed) == (0, 0, 5, 0)
    assert snapshot(fresh_db) == before


def test_newer_register_updates_and_closes(fresh_db, tmp_path):
    import_practices(fresh_db, DATA / "epraccur_headerless.csv")
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
    report = import_practices(fresh_db, newer)
    assert (report.added, report.updated, report.unchanged, report.closed) == (1, 2, 3, 1)
    assert data_version(fresh_db) == v + 1
    assert scalar(fresh_db, "SELECT status FROM practices WHERE ods_code = 'A81001'") == "closed"


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
