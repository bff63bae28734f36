"""Reading files: encodings, gzip, empty files, CSV shape, zip member names."""

from __future__ import annotations

import gzip
import zipfile

import pytest

from geo_service.errors import InputFileError
from geo_service.ingest.files import decode_text, read_csv, read_text
from geo_service.ingest.zip_safety import safe_members


def test_utf8_latin1_and_gzip_are_read(tmp_path):
    (tmp_path / "u.csv").write_text("name\nCAFÉ\n", encoding="utf-8")
    (tmp_path / "l.csv").write_bytes("name\nCAFÉ\n".encode("latin-1"))
    (tmp_path / "g.csv.gz").write_bytes(gzip.compress("name\nCAFÉ\n".encode("latin-1")))
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbfname\nCAF\xc3\x89\n")
    for f in ("u.csv", "l.csv", "g.csv.gz", "bom.csv"):
        assert read_text(tmp_path / f) == "name\nCAFÉ\n"


def test_utf16_is_refused(tmp_path):
    (tmp_path / "w.csv").write_bytes("name\nCAFÉ\n".encode("utf-16"))
    with pytest.raises(InputFileError) as err:
        read_text(tmp_path / "w.csv")
    assert err.value.detail == "w.csv: the file is UTF-16 encoded; save it as UTF-8 or Latin-1 CSV"


def test_binary_is_refused_with_line():
    with pytest.raises(InputFileError) as err:
        decode_text(b"name\nabc\x00\x01def\n", "b.csv")
    assert err.value.detail == (
        "b.csv, line 2: not a UTF-8 or Latin-1 text file (byte 0x00 at offset 8: binary data or UTF-16?)"
    )


def test_undefined_windows_1252_bytes_are_refused():
    with pytest.raises(InputFileError) as err:
        decode_text(b"name\n\x81\x8d\n", "x.csv")
    assert err.value.detail == "x.csv, line 2: neither UTF-8 nor Latin-1 text (byte 0x81 at offset 5)"


def test_empty_file_is_refused(tmp_path):
    (tmp_path / "e.csv").write_bytes(b"")
    with pytest.raises(InputFileError) as err:
        read_text(tmp_path / "e.csv")
    assert err.value.detail == "e.csv: the file is empty (0 bytes)"


def test_corrupt_gzip_is_refused(tmp_path):
    (tmp_path / "c.csv.gz").write_bytes(gzip.compress(b"name\nx\n")[:12])
    with pytest.raises(InputFileError) as err:
        read_text(tmp_path / "c.csv.gz")
    assert err.value.detail.startswith("c.csv.gz: not a valid gzip file")


def test_missing_column_names_the_column(tmp_path):
    (tmp_path / "m.csv").write_text("a,b\n1,2\n")
    table = read_csv(tmp_path / "m.csv")
    with pytest.raises(InputFileError) as err:
        table.require(["a", "c"])
    assert err.value.detail == "m.csv, line 1: missing column 'c'; found a, b"


def test_ragged_row_names_its_line(tmp_path):
    (tmp_path / "r.csv").write_text('a,b\n1,2\n"multi\nline",3\n4\n')
    with pytest.raises(InputFileError) as err:
        read_csv(tmp_path / "r.csv")
    assert err.value.detail == "r.csv, line 5: expected 2 fields, found 1"


@pytest.mark.parametrize("member", ["../evil.shp", "/etc/passwd", "a/../../b.txt", "C:\\x.txt"])
def test_zip_traversal_is_refused(tmp_path, member):
    z = tmp_path / "bad.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("ok.txt", "x")
        zf.writestr(member, "x")
    with pytest.raises(InputFileError) as err:
        safe_members(z)
    assert "unsafe member name" in err.value.detail
    assert err.value.detail.startswith("bad.zip: ")


def test_not_a_zip_is_refused(tmp_path):
    (tmp_path / "n.zip").write_bytes(b"PK\x03\x04 garbage")
    with pytest.raises(InputFileError) as err:
        safe_members(tmp_path / "n.zip")
    assert err.value.detail == "n.zip: not a valid zip archive"


def test_first_lines_names_both_lines_and_the_field():
    from geo_service.errors import InputFileError
    from geo_service.ingest.files import FirstLines

    seen = FirstLines("partners.csv", "membership of", "partner_organisation_code")
    seen.add(("U1", "A81001", None), 2, shown="'A81001' in 'U1'")
    seen.add(("U2", "A81001", None), 3, shown="'A81001' in 'U2'")
    with pytest.raises(InputFileError) as err:
        seen.add(("U1", "A81001", None), 9, shown="'A81001' in 'U1'")
    assert err.value.detail == (
        "partners.csv, line 9, field 'partner_organisation_code': duplicate membership of 'A81001' in 'U1' "
        "(first on line 2)"
    )
