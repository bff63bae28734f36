"""Limits on the work one input file may cause, and database refusals as file errors (issue 14, rows 6 and 7)."""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import psycopg2
import pytest

from geo_service.errors import InputFileError
from geo_service.ingest.bundle import read_manifest
from geo_service.ingest.database_refusals import refused_by_database
from geo_service.ingest.files import ReadLimits, read_bytes, read_csv
from geo_service.ingest.pcn import _check_xlsx_parts
from tests.ingest.conftest import DATA

sys.path.insert(0, str(DATA / "malformed"))
import make_corpus  # noqa: E402


def test_concatenated_gzip_members_are_all_read(tmp_path):
    f = tmp_path / "two.csv.gz"
    f.write_bytes(gzip.compress(b"name\nA\n") + gzip.compress(b"B\n"))
    assert read_bytes(f) == b"name\nA\nB\n"


def test_gzip_past_the_size_limit_is_refused(tmp_path):
    f = tmp_path / "big.csv.gz"
    f.write_bytes(gzip.compress(bytes(range(256)) * 4096))  # 1 MiB that compresses badly: no bomb, just big
    with pytest.raises(InputFileError) as err:
        read_bytes(f, ReadLimits(max_bytes=100_000))
    assert err.value.detail == "big.csv.gz: the file is larger than the 100,000 bytes limit once decompressed; refused"


def test_a_gzip_bomb_stops_after_a_few_megabytes(tmp_path):
    bomb = make_corpus.gzip_bomb(tmp_path / "bomb.csv.gz", expanded=200 << 20)
    with pytest.raises(InputFileError) as err:
        read_bytes(bomb)
    assert err.value.detail == (
        "bomb.csv.gz: the file expands more than 100 times when decompressed (past 16 MiB); "
        "refused as a likely decompression bomb"
    )


def test_a_plain_file_past_the_size_limit_is_refused(tmp_path):
    f = tmp_path / "big.csv"
    f.write_bytes(b"x" * 2000)
    with pytest.raises(InputFileError) as err:
        read_bytes(f, ReadLimits(max_bytes=1000))
    assert err.value.detail.startswith("big.csv: the file is larger than the")


def test_reading_stops_at_the_time_limit(tmp_path):
    f = tmp_path / "slow.csv.gz"
    f.write_bytes(gzip.compress(b"name\nA\n"))
    with pytest.raises(InputFileError) as err:
        read_bytes(f, ReadLimits(max_seconds=0))
    assert err.value.detail == "slow.csv.gz: reading the file took longer than 0 s; refused"


def test_rows_past_the_row_limit_are_refused(tmp_path):
    f = tmp_path / "rows.csv"
    f.write_text("a,b\n1,2\n3,4\n5,6\n")
    assert len(read_csv(f, limits=ReadLimits(max_rows=4)).rows) == 3
    with pytest.raises(InputFileError) as err:
        read_csv(f, limits=ReadLimits(max_rows=3))
    assert err.value.detail == "rows.csv, line 4: more than 3 rows; refused"


def test_a_long_line_is_refused_with_its_number(tmp_path):
    f = tmp_path / "long.csv"
    f.write_text("a,b\n1,2\n" + "x" * 200 + ",3\n")
    with pytest.raises(InputFileError) as err:
        read_csv(f, limits=ReadLimits(max_line_chars=100))
    assert err.value.detail == "long.csv, line 3: the line is longer than 100 characters; refused"


def test_an_xlsx_xml_part_over_its_cap_is_refused(tmp_path):
    book = tmp_path / "book.xlsx"
    make_corpus._xlsx(book, make_corpus.sheet_xml(make_corpus.DETAILS_ROWS * 50))
    _check_xlsx_parts(book, "book.xlsx")  # within the default caps
    with pytest.raises(InputFileError) as err:
        _check_xlsx_parts(book, "book.xlsx", ReadLimits(max_xml_part_bytes=1 << 10))
    assert err.value.detail.startswith("book.xlsx: the workbook part 'xl/worksheets/sheet1.xml' holds ")
    assert err.value.detail.endswith("bytes of XML, more than the 1,024 bytes limit; refused")


@pytest.mark.parametrize(
    "path, why",
    [
        ("../outside.csv", "is outside the --root folder"),
        ("sub/../../outside.csv", "is outside the --root folder"),
        ("/etc/os-release", "is an absolute path; give it relative to --root"),
        ("C:\\\\Windows\\\\win.ini", "is an absolute path; give it relative to --root"),
    ],
)
def test_manifest_paths_stay_inside_root(tmp_path, path, why):
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "outside.csv").write_text("secret first line\n")
    manifest = root / "m.toml"
    manifest.write_text(f'[practices]\nfile = "{path}"\n')
    with pytest.raises(InputFileError) as err:
        read_manifest(manifest, root)
    assert why in err.value.detail
    assert "secret" not in err.value.detail
    assert err.value.detail.startswith("m.toml, field 'practices': [practices] file ")


def test_a_value_the_database_refuses_names_the_file_and_column(fresh_db):
    with fresh_db.connection() as conn, conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE stage_x (size int)")
        with pytest.raises(InputFileError) as err, refused_by_database("sizes.csv"):
            cur.copy_expert("COPY stage_x FROM STDIN WITH (FORMAT csv)", _lines("5\n99999999999\n"))
        conn.rollback()
    assert err.value.detail == (
        "sizes.csv, field 'size': a value was refused by the database "
        '(value "99999999999" is out of range for type integer)'
    )
    assert isinstance(err.value.__cause__, psycopg2.DataError)


def test_a_database_that_is_down_is_not_the_files_fault(fresh_db):
    with pytest.raises(psycopg2.OperationalError), refused_by_database("x.csv"):
        raise psycopg2.OperationalError("server closed the connection")


def _lines(text: str):
    import io

    return io.StringIO(text)


def test_the_corpus_script_runs_from_its_folder():
    assert (Path(make_corpus.__file__).parent / "practices_empty.csv").exists()
