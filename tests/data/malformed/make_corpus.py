"""The malformed-file corpus: small hostile or broken files, one per way an input file can be wrong.

``python tests/data/malformed/make_corpus.py`` (re)writes the small files beside this script, byte for byte
the same each time (fixed zip dates, no timestamps). The large ones — decompression bombs, a 1.25 GiB XML
comment in a 1.3 MB workbook, a very long line — are never committed: tests build them in ``tmp_path``
with :func:`gzip_bomb`, :func:`xlsx_comment_bomb`, :func:`zip_bomb` and :func:`long_line`, in about a second,
by repeating one compressed block (deflate after a full flush does not depend on what came before).
"""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED_DATE = (2020, 1, 1, 0, 0, 0)

# ---- small building blocks ------------------------------------------------------------------------------

EPRACCUR_ROW = (
    "A81001,THE DENSHAM SURGERY,Y59,Q68,1 HIGH STREET,,CANTERBURY,,,CT1 1AA,19740401,,A,B,09C,20130401,,"
    "01227 000000,,,,0,,09C,,4,"
)
LIST_HEADER = "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS"
LIST_ROW = "GP_PRAC_PAT_LIST,01JAN2021,GP,09C,E38000002,A81001,CT1 1AA,ALL,ALL,5000"
DETAILS_HEADER = "pcn_code,pcn_name,current_clinical_commissioning_group_code"
PARTNERS_HEADER = (
    "partner_organisation_code,partner_name,practice_parent_ccg_code,pcn_code,pcn_name,"
    "practice_to_pcn_relationship_start_date,practice_to_pcn_relationship_end_date"
)


def _laughs() -> str:
    """The billion-laughs entities: lol9 expands to 10^9 'lol's."""
    return "".join('<!ENTITY lol{} "{}">'.format(i, f"&lol{i - 1};" * 10) for i in range(1, 10))


LAUGHS = _laughs()


def _epraccur(*changes: tuple[int, str]) -> str:
    cells = EPRACCUR_ROW.split(",")
    for index, value in changes:
        cells[index] = value
    return ",".join(cells)


def _square(x0: float, y0: float, size: float) -> list:
    return [[[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]]


def _feature(props: dict, geometry: dict | None) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _collection(features: list, crs: str | None = None) -> str:
    doc: dict = {"type": "FeatureCollection"}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    doc["features"] = features
    return json.dumps(doc, indent=1) + "\n"


def _ccg(code: str, gss: str, name: str, ring: list) -> dict:
    return _feature({"CCG19CD": gss, "CCG19CDH": code, "CCG19NM": name}, {"type": "Polygon", "coordinates": ring})


def _pcn(code: str, ring: list) -> dict:
    return _feature({"pcn_code": code, "pcn_name": code}, {"type": "Polygon", "coordinates": ring})


def _zip(path: Path, members: dict[str, bytes | str]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)


XLSX_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
XLSX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
XLSX_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="PCN Details" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
XLSX_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>'
)


def sheet_xml(rows: list[list[str]], prolog: str = "", body_extra: str = "") -> str:
    """A worksheet with inline strings: ``prolog`` goes before the root element (a DOCTYPE, say)."""
    cells = "".join(
        f'<row r="{r}">'
        + "".join(f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>' for c, v in enumerate(row))
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + prolog
        + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + f"<sheetData>{cells}</sheetData>{body_extra}</worksheet>"
    )


DETAILS_ROWS = [["PCN Code", "PCN Name"], ["U00001", "ASHFORD PCN"]]


def _xlsx(path: Path, sheet: str, extra: dict[str, str] | None = None) -> None:
    members = {
        "[Content_Types].xml": XLSX_TYPES,
        "_rels/.rels": XLSX_RELS,
        "xl/workbook.xml": XLSX_WORKBOOK,
        "xl/_rels/workbook.xml.rels": XLSX_WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet,
    }
    _zip(path, {**members, **(extra or {})})


# ---- the committed corpus --------------------------------------------------------------------------------


def small_files() -> dict[str, bytes]:
    """File name → content of every committed corpus file."""
    files: dict[str, bytes | str] = {}
    # practices (ODS epraccur)
    files["practices_empty.csv"] = b""
    files["practices_utf16.csv"] = EPRACCUR_ROW.encode("utf-16")
    files["practices_binary.csv"] = b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256))
    files["practices_wrong_width.csv"] = "A81001,THE DENSHAM SURGERY,Y59,Q68\n"
    files["practices_duplicate_code.csv"] = f"{EPRACCUR_ROW}\n{EPRACCUR_ROW}\n"
    files["practices_bad_date.csv"] = _epraccur((10, "19741301")) + "\n"
    files["practices_setting_not_number.csv"] = _epraccur((25, "four")) + "\n"
    files["practices_setting_huge.csv"] = _epraccur((25, "99999999999")) + "\n"
    files["practices_undefined_cp1252.csv"] = _epraccur((1, "SURGERY \x81")).encode("latin-1") + b"\n"
    files["practices_only_header.csv"] = (
        "organisation_code,name,postcode,status_code,commissioner,prescribing_setting\n"
    )
    files["practices_empty_name.csv"] = _epraccur((1, "  ")) + "\n"
    files["practices_no_gp_practices.csv"] = _epraccur((25, "1")) + "\n"
    files["practices_truncated.csv.gz"] = zlib_gzip((EPRACCUR_ROW + "\n").encode() * 50)[:40]
    files["practices_not_gzip.csv.gz"] = b"\x1f\x8b\x08\x00garbage that is not deflate data at all"
    files["practices_html_page.csv"] = "<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1></body></html>\n"
    files["practices_code_with_nul.csv"] = b"A81\x00001,THE SURGERY\n"
    # list sizes
    files["list_sizes_huge_number.csv"] = f"{LIST_HEADER}\n{LIST_ROW[:-4]}99999999999\n"
    files["list_sizes_negative.csv"] = f"{LIST_HEADER}\n{LIST_ROW[:-4]}-5000\n"
    files["list_sizes_superscript.csv"] = f"{LIST_HEADER}\n{LIST_ROW[:-4]}5²\n"
    files["list_sizes_missing_column.csv"] = "PUBLICATION,EXTRACT_DATE,CODE\nGP_PRAC_PAT_LIST,01JAN2021,A81001\n"
    files["list_sizes_bad_extract_date.csv"] = f"{LIST_HEADER}\n{LIST_ROW.replace('01JAN2021', '31FEB2021')}\n"
    files["list_sizes_duplicate_code.csv"] = f"{LIST_HEADER}\n{LIST_ROW}\n{LIST_ROW}\n"
    files["list_sizes_no_totals.csv"] = f"{LIST_HEADER}\n{LIST_ROW.replace('ALL,ALL', 'MALE,0_4')}\n"
    files["list_sizes_ragged.csv"] = f"{LIST_HEADER}\n{LIST_ROW},extra,cells\n"
    files["list_sizes_unterminated_quote.csv"] = f'{LIST_HEADER}\n"GP_PRAC_PAT_LIST,01JAN2021,GP\n'
    # postcodes (matched against the register's CT1 1AA, CT2 2BB, CT3 3CC)
    pc_header = "pcds,oseast1m,osnrth1m,lat,long\n"
    files["postcodes_easting_out_of_range.csv"] = (
        "CT1 1AA,10,99999999,142566,E92000001,,,E10000016,E07000106,E05005000\n"
    )
    files["postcodes_metres_as_latlong.csv"] = pc_header + "CT1 1AA,,,142566,592430\n"
    files["postcodes_outside_uk.csv"] = pc_header + "CT1 1AA,,,40.7128,-74.0060\n"
    files["postcodes_swapped_latlong.csv"] = pc_header + "CT1 1AA,,,0.75,51.15\n"
    files["postcodes_not_number.csv"] = "CT1 1AA,10,five hundred,142566,E92000001,,,E10000016,E07000106,E05005000\n"
    files["postcodes_infinite.csv"] = "CT1 1AA,10,inf,142566,E92000001,,,E10000016,E07000106,E05005000\n"
    files["postcodes_nan.csv"] = pc_header + "CT1 1AA,,,nan,nan\n"
    files["postcodes_no_coordinates.csv"] = "pcds,country\nCT1 1AA,E92000001\n"
    files["postcodes_duplicate.csv"] = pc_header + "CT1 1AA,,,51.15,0.75\nct11aa,,,51.16,0.76\n"
    # lookups
    files["lookup_no_pairs.csv"] = "code,name\n09C,NHS Ashford CCG\n"
    files["lookup_half_pair.csv"] = "CCG19CD,CCG19CDH,CCG19NM\nE38000002,,NHS Ashford CCG\n"
    files["lookup_only_blank_lines.csv"] = "\n\n  \n\n"
    # ePCN (CSV and xlsx)
    files["pcn_missing_columns.csv"] = "code,name\nU00001,ASHFORD PCN\n"
    files["pcn_end_before_start.csv"] = (
        f"{PARTNERS_HEADER}\nA81001,THE DENSHAM SURGERY,09C,U00001,ASHFORD PCN,20200101,20190101\n"
    )
    files["pcn_empty_partner_code.csv"] = f"{PARTNERS_HEADER}\n,THE DENSHAM SURGERY,09C,U00001,ASHFORD PCN,20190701,\n"
    files["pcn_duplicate_network.csv"] = f"{DETAILS_HEADER}\nU00001,ASHFORD PCN,09C\nU00001,ASHFORD PCN,09C\n"
    files["pcn_not_a_workbook.xlsx"] = "this is a CSV file saved with the wrong name\n"
    # the xlsx members are built below (zip containers)
    # boundaries / networks (vector)
    kent = _square(0.6, 51.1, 0.2)
    files["boundaries_truncated.geojson"] = _collection([_ccg("09C", "E38000002", "NHS Ashford CCG", kent)])[:300]
    files["boundaries_not_json.geojson"] = "CCG19CD,CCG19CDH,CCG19NM\nE38000002,09C,NHS Ashford CCG\n"
    files["boundaries_point.geojson"] = _collection(
        [
            _feature(
                {"CCG19CD": "E38000002", "CCG19CDH": "09C", "CCG19NM": "X"}, {"type": "Point", "coordinates": [1, 51]}
            )
        ]
    )
    files["boundaries_no_features.geojson"] = _collection([])
    files["boundaries_metres_no_crs.geojson"] = _collection(
        [_ccg("09C", "E38000002", "NHS Ashford CCG", _square(592430, 142566, 5000))]
    )
    files["boundaries_lonlat_declared_27700.geojson"] = _collection(
        [_ccg("09C", "E38000002", "NHS Ashford CCG", kent)], crs="urn:ogc:def:crs:EPSG::27700"
    )
    files["boundaries_unknown_crs.geojson"] = _collection(
        [_ccg("09C", "E38000002", "NHS Ashford CCG", kent)], crs="EPSG:999999"
    )
    files["boundaries_out_of_range.geojson"] = _collection([_ccg("09C", "E38000002", "X", _square(500, 51, 1))])
    files["boundaries_outside_uk.geojson"] = _collection([_ccg("09C", "E38000002", "X", _square(-74.1, 40.6, 0.2))])
    files["boundaries_duplicate_code.geojson"] = _collection(
        [_ccg("09C", "E38000002", "A", kent), _ccg("09C", "E38000003", "B", _square(0.9, 51.1, 0.2))]
    )
    files["boundaries_empty_name.geojson"] = _collection([_ccg("09C", "E38000002", "", kent)])
    files["boundaries_kml_xxe.kml"] = (
        '<?xml version="1.0"?>\n<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/os-release">]>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&xxe;</name>'
        "<Polygon><outerBoundaryIs><LinearRing><coordinates>0.6,51.1 0.8,51.1 0.8,51.3 0.6,51.1"
        "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>\n"
    )
    lol = LAUGHS
    files["boundaries_kml_billion_laughs.kml"] = (
        f'<?xml version="1.0"?>\n<!DOCTYPE kml [<!ENTITY lol0 "lol">{lol}]>\n'
        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>&lol9;</name>'
        "<Polygon><outerBoundaryIs><LinearRing><coordinates>0.6,51.1 0.8,51.1 0.8,51.3 0.6,51.1"
        "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>\n"
    )
    files["networks_no_code_field.geojson"] = _collection(
        [_feature({"label": "x"}, {"type": "Polygon", "coordinates": kent})]
    )
    files["networks_duplicate_code.geojson"] = _collection([_pcn("U00001", kent), _pcn("U00001", kent)])
    files["networks_outside_uk.geojson"] = _collection([_pcn("U00001", _square(2.3, 48.8, 0.1))])  # Paris
    files["networks_unknown_crs.geojson"] = _collection([_pcn("U00001", kent)], crs="EPSG:999999")
    # bundles (paths relative to this folder, which the tests give as --root)
    files["bundle_escapes_root.toml"] = '[practices]\nfile = "../../../../../../../../etc/os-release"\n'
    files["bundle_absolute_path.toml"] = '[practices]\nfile = "/etc/os-release"\n'
    files["bundle_not_toml.toml"] = "[practices\nfile = \n"
    files["bundle_unknown_section.toml"] = '[surgeries]\nfile = "practices_empty.csv"\n'
    files["bundle_missing_file.toml"] = '[practices]\nfile = "no_such_file.csv"\n'
    files["bundle_bad_member.toml"] = (
        '[practices]\nfile = "practices_duplicate_code.csv"\n[list_sizes]\nfile = "list_sizes_huge_number.csv"\n'
    )
    files["bundle_symlink_escape.toml"] = '[practices]\nfile = "escape_link/os-release"\n'
    return {k: v.encode("utf-8") if isinstance(v, str) else v for k, v in files.items()}


def zip_files(folder: Path) -> None:
    """Zip containers (xlsx workbooks, zipped shapefiles) with fixed member dates."""
    _xlsx(folder / "pcn_entity.xlsx", sheet_xml(
        [["PCN Code", "PCN Name"], ["U00001", "&name;"]], prolog='<!DOCTYPE worksheet [<!ENTITY name "ASHFORD">]>\n'
    ))  # fmt: skip
    lol = LAUGHS
    _xlsx(
        folder / "pcn_billion_laughs.xlsx",
        sheet_xml(
            [["PCN Code", "PCN Name"], ["U00001", "&lol9;"]], prolog=f'<!DOCTYPE w [<!ENTITY lol0 "lol">{lol}]>\n'
        ),
    )
    _xlsx(
        folder / "pcn_external_entity.xlsx",
        sheet_xml(
            [["PCN Code", "PCN Name"], ["U00001", "&x;"]],
            prolog='<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/os-release">]>\n',
        ),
    )
    _xlsx(folder / "pcn_broken_xml.xlsx", sheet_xml(DETAILS_ROWS)[:-40])
    _xlsx(folder / "pcn_zip_slip.xlsx", sheet_xml(DETAILS_ROWS), extra={"../../evil.xml": "<x/>"})
    good = folder / "pcn_truncated.xlsx"
    _xlsx(good, sheet_xml(DETAILS_ROWS * 40))
    good.write_bytes(good.read_bytes()[:700])
    _zip(folder / "boundaries_zip_slip.zip", {"../../../tmp/evil.geojson": _collection([])})
    _zip(folder / "boundaries_absolute_member.zip", {"/etc/evil.geojson": _collection([])})
    _zip(folder / "boundaries_shp_without_prj.zip", {"ccg.shp": b"\0" * 100, "ccg.shx": b"\0" * 100, "ccg.dbf": b"\0"})
    _zip(folder / "boundaries_two_layers.zip", {"a.geojson": _collection([]), "b.geojson": _collection([])})
    whole = folder / "boundaries_truncated.zip"
    _zip(whole, {"ccg.geojson": _collection([_ccg("09C", "E38000002", "X", _square(0.6, 51.1, 0.2))] * 30)})
    whole.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])


def zlib_gzip(data: bytes) -> bytes:
    """gzip without a timestamp (gzip.compress writes the time), so the corpus is byte-identical."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = c.compress(data) + c.flush()
    return (
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
        + body
        + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF)
    )


# ---- large files, built at test time ---------------------------------------------------------------------


def _repeated_deflate(block: bytes, times: int) -> tuple[bytes, int]:
    """Raw deflate of ``block`` repeated ``times`` times, and its CRC-32, without compressing it all."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    assert again == piece  # after a full flush the compressor has no history: the same input, the same bytes
    crc = 0
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    return piece * times + c.flush(zlib.Z_FINISH), crc


def gzip_bomb(path: Path, expanded: int = 1_170_000_000) -> Path:
    """A valid gzip file of a few MB that expands to ``expanded`` bytes of register rows (1.17 GB by default)."""
    row = (EPRACCUR_ROW + "\n").encode()
    block = row * ((1 << 20) // len(row))
    times = max(1, expanded // len(block))
    body, crc = _repeated_deflate(block, times)
    size = times * len(block)
    path.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + body + struct.pack("<II", crc, size & 0xFFFFFFFF))
    return path


def _raw_zip(path: Path, members: list[tuple[str, bytes, int, int]]) -> None:
    """A zip of already-deflated members: (name, deflated bytes, uncompressed size, crc)."""
    out = bytearray()
    central = bytearray()
    for name, data, size, crc in members:
        offset = len(out)
        encoded = name.encode()
        # zip64 is not needed below 4 GiB
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x5021, crc, len(data), size, len(encoded), 0)
        out += local + encoded + data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x5021, crc, len(data), size, len(encoded),
            0, 0, 0, 0, 0, offset,
        ) + encoded  # fmt: skip
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0)
    path.write_bytes(bytes(out + central + end))


def xlsx_comment_bomb(path: Path, comment: int = 1_250 << 20) -> Path:
    """An ePCN-looking workbook whose sheet XML holds a ``comment``-byte XML comment (1.25 GiB in ~1.3 MB)."""
    sheet = sheet_xml(DETAILS_ROWS)
    head, tail = sheet.split("<sheetData>")
    block = b"a" * (1 << 20)
    times = comment // len(block)
    start, end = (head + "<!--").encode(), ("-->" + "<sheetData>" + tail).encode()
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(start) + c.flush(zlib.Z_FULL_FLUSH)
    piece = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = piece.compress(block) + piece.flush(zlib.Z_FULL_FLUSH)
    last = zlib.compressobj(9, zlib.DEFLATED, -15)
    finish = last.compress(end) + last.flush()
    crc = zlib.crc32(start)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(end, crc)
    size = len(start) + times * len(block) + len(end)
    members = [(n, *_deflated_parts(d)) for n, d in _xlsx_parts().items()]
    members.append(("xl/worksheets/sheet1.xml", first + one * times + finish, size, crc))
    _raw_zip(path, members)
    return path


def _deflated_parts(data: str) -> tuple[bytes, int, int]:
    raw = data.encode()
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(raw) + c.flush(), len(raw), zlib.crc32(raw)


def _xlsx_parts() -> dict[str, str]:
    return {
        "[Content_Types].xml": XLSX_TYPES,
        "_rels/.rels": XLSX_RELS,
        "xl/workbook.xml": XLSX_WORKBOOK,
        "xl/_rels/workbook.xml.rels": XLSX_WORKBOOK_RELS,
    }


def zip_bomb(path: Path, expanded: int = 3 << 29) -> Path:
    """A zipped GeoJSON of a few MB that declares (and holds) ``expanded`` bytes."""
    block = b" " * (1 << 20)
    times = expanded // len(block)
    body, crc = _repeated_deflate(block, times)
    _raw_zip(path, [("ccg.geojson", body, (times * len(block)) & 0xFFFFFFFF, crc)])
    return path


def long_line(path: Path, chars: int = 8 << 20) -> Path:
    """A register whose one line is ``chars`` characters long (a name of megabytes)."""
    path.write_text(_epraccur((1, "A" * chars)) + "\n", encoding="utf-8")
    return path


def write_corpus(folder: Path = HERE) -> list[Path]:
    written = []
    for name, data in small_files().items():
        (folder / name).write_bytes(data)
        written.append(folder / name)
    zip_files(folder)
    return written


if __name__ == "__main__":
    paths = write_corpus()
    print(f"wrote {len(list(HERE.glob('*'))) - 1} files to {HERE}")
