"""The malformed-file corpus (tests/data/malformed/) against every importer, through the command line.

Each file gives exit status 1 and one line, ``Error: <file>[, line N][, field 'F']: <reason>``, with no
traceback and no change to the database (data version and every imported table). Decompression bombs and
huge lines are built in ``tmp_path`` and run in a subprocess that measures time and peak memory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from geo_service.cli import main
from tests.ingest.conftest import DATA, snapshot

CORPUS = DATA / "malformed"
sys.path.insert(0, str(CORPUS))
import make_corpus  # noqa: E402

SCENARIO = "Test ePCN 2019"


def _args(importer: str, files: list[Path]) -> list[str]:
    first = str(files[0])
    return {
        "boundaries": ["import", "boundaries", first, "--set", "Bad", "--level", "ccg", "--vintage", "2019-04"],
        "practices": ["import", "practices", first, "--extract-date", "2019-12-01"],
        "list-sizes": ["import", "list-sizes", first],
        "postcodes": ["import", "postcodes", first, "--extract-date", "2020-10-01"],
        "lookup": ["import", "lookup", first],
        "pcn": ["import", "pcn", *map(str, files), "--scenario", "Bad", "--extract-date", "2019-12-04"],
        "networks": ["import", "networks", first, "--scenario", SCENARIO],
        "bundle": ["import", "bundle", first, "--root", str(files[0].parent)],
    }[importer]


# (file, importer, what the one-line message must say after "Error: ")
CASES = [
    ("practices_empty.csv", "practices", "practices_empty.csv: the file is empty (0 bytes)"),
    ("practices_utf16.csv", "practices", "practices_utf16.csv: the file is UTF-16 encoded"),
    ("practices_binary.csv", "practices", "practices_binary.csv, line 1: not a UTF-8 or Latin-1 text file"),
    ("practices_wrong_width.csv", "practices", "practices_wrong_width.csv, line 1: expected a header row or the 27"),
    ("practices_duplicate_code.csv", "practices", "line 2, field 'organisation_code': duplicate practice code"),
    ("practices_bad_date.csv", "practices", "line 1, field 'open_date': bad date '19741301'"),
    (
        "practices_setting_not_number.csv",
        "practices",
        "line 1, field 'prescribing_setting': prescribing setting 'four'",
    ),
    ("practices_setting_huge.csv", "practices", "line 1, field 'prescribing_setting': prescribing setting 99999999999"),
    ("practices_undefined_cp1252.csv", "practices", "line 1: neither UTF-8 nor Latin-1 text (byte 0x81"),
    ("practices_only_header.csv", "practices", "practices_only_header.csv: no GP practices"),
    ("practices_empty_name.csv", "practices", "line 1, field 'name': empty practice name"),
    ("practices_no_gp_practices.csv", "practices", "no GP practices (prescribing setting 4) in the file"),
    ("practices_truncated.csv.gz", "practices", "practices_truncated.csv.gz: not a valid gzip file"),
    ("practices_not_gzip.csv.gz", "practices", "practices_not_gzip.csv.gz: not a valid gzip file"),
    ("practices_html_page.csv", "practices", "practices_html_page.csv, line 1: expected a header row or the 27"),
    ("practices_code_with_nul.csv", "practices", "line 1: not a UTF-8 or Latin-1 text file (byte 0x00"),
    (
        "list_sizes_huge_number.csv",
        "list-sizes",
        "line 2, field 'NUMBER_OF_PATIENTS': number of patients 99,999,999,999",
    ),
    ("list_sizes_negative.csv", "list-sizes", "line 2, field 'NUMBER_OF_PATIENTS': number of patients '-5000'"),
    ("list_sizes_superscript.csv", "list-sizes", "line 2, field 'NUMBER_OF_PATIENTS': number of patients '5²'"),
    ("list_sizes_missing_column.csv", "list-sizes", "line 1: missing column 'NUMBER_OF_PATIENTS'"),
    ("list_sizes_bad_extract_date.csv", "list-sizes", "line 2, field 'EXTRACT_DATE': bad date '31FEB2021'"),
    ("list_sizes_duplicate_code.csv", "list-sizes", "line 3, field 'CODE': duplicate practice code"),
    ("list_sizes_no_totals.csv", "list-sizes", "no practice total rows (SEX=ALL, AGE=ALL)"),
    ("list_sizes_ragged.csv", "list-sizes", "line 2: expected 10 fields, found 12"),
    ("list_sizes_unterminated_quote.csv", "list-sizes", "list_sizes_unterminated_quote.csv, line 2: expected 10"),
    (
        "postcodes_easting_out_of_range.csv",
        "postcodes",
        "line 1, field 'eastings': easting/northing (1e+08, 142566) is not on the British National Grid",
    ),
    ("postcodes_metres_as_latlong.csv", "postcodes", "line 2, field 'lat': latitude 142566.0 / longitude"),
    ("postcodes_outside_uk.csv", "postcodes", "line 2, field 'lat': latitude 40.7128 / longitude -74.006 is outside"),
    ("postcodes_swapped_latlong.csv", "postcodes", "line 2, field 'lat': latitude 0.75 / longitude 51.15 is outside"),
    ("postcodes_not_number.csv", "postcodes", "line 1, field 'eastings': 'five hundred' is not a number"),
    ("postcodes_infinite.csv", "postcodes", "line 1, field 'eastings': 'inf' is not a finite number"),
    ("postcodes_nan.csv", "postcodes", "line 2, field 'lat': 'nan' is not a finite number"),
    ("postcodes_no_coordinates.csv", "postcodes", "line 1: missing coordinate columns"),
    ("postcodes_duplicate.csv", "postcodes", "line 3, field 'pcds': duplicate postcode 'ct11aa'"),
    ("lookup_no_pairs.csv", "lookup", "lookup_no_pairs.csv, line 1: missing columns: no pair like CCG19CD"),
    ("lookup_half_pair.csv", "lookup", "line 2, field 'ccg19cdh': one code of the pair is empty"),
    ("lookup_only_blank_lines.csv", "lookup", "lookup_only_blank_lines.csv: no rows found"),
    ("pcn_missing_columns.csv", "pcn", "pcn_missing_columns.csv, line 1: missing columns: expected PCN details"),
    ("pcn_end_before_start.csv", "pcn", "end date 20190101 is before start date 20200101"),
    ("pcn_empty_partner_code.csv", "pcn", "line 2, field 'partner_organisation_code': empty partner code"),
    ("pcn_duplicate_network.csv", "pcn", "line 3, field 'pcn_code': duplicate PCN code 'U00001'"),
    ("pcn_not_a_workbook.xlsx", "pcn", "pcn_not_a_workbook.xlsx: cannot be read as an Excel .xlsx workbook"),
    ("pcn_truncated.xlsx", "pcn", "pcn_truncated.xlsx: cannot be read as an Excel .xlsx workbook"),
    ("pcn_entity.xlsx", "pcn", "pcn_entity.xlsx: cannot be read as an Excel .xlsx workbook (it declares XML entities"),
    ("pcn_billion_laughs.xlsx", "pcn", "pcn_billion_laughs.xlsx: cannot be read as an Excel .xlsx workbook (it decl"),
    ("pcn_external_entity.xlsx", "pcn", "pcn_external_entity.xlsx: cannot be read as an Excel .xlsx workbook (it de"),
    ("pcn_broken_xml.xlsx", "pcn", "pcn_broken_xml.xlsx: cannot be read as an Excel .xlsx workbook (broken XML)"),
    ("pcn_zip_slip.xlsx", "pcn", "pcn_zip_slip.xlsx: unsafe member name '../../evil.xml'"),
    (
        "boundaries_truncated.geojson",
        "boundaries",
        "boundaries_truncated.geojson, line 20: not valid JSON, the file may be truncated",
    ),
    ("boundaries_not_json.geojson", "boundaries", "boundaries_not_json.geojson, line 1: not valid JSON"),
    ("boundaries_point.geojson", "boundaries", "feature 1 is a Point; polygons are expected"),
    ("boundaries_no_features.geojson", "boundaries", "boundaries_no_features.geojson: "),
    ("boundaries_metres_no_crs.geojson", "boundaries", "coordinate (592430, 142566) is not a longitude/latitude"),
    (
        "boundaries_lonlat_declared_27700.geojson",
        "boundaries",
        "every coordinate looks like longitude/latitude degrees (e.g. (0.6, 51.1)) but the file declares EPSG:27700",
    ),
    ("boundaries_unknown_crs.geojson", "boundaries", "the file declares an unknown CRS 'EPSG:999999'"),
    (
        "boundaries_out_of_range.geojson",
        "boundaries",
        "coordinate (500, 51) is not a longitude/latitude, but the file is read as EPSG:4326",
    ),
    ("boundaries_outside_uk.geojson", "boundaries", "feature 1 lies outside the UK read as EPSG:4326"),
    ("boundaries_duplicate_code.geojson", "boundaries", "field 'CCG19CDH': duplicate code '09C' in features 1 and 2"),
    ("boundaries_empty_name.geojson", "boundaries", "field 'CCG19NM': feature 1 has an empty name"),
    ("boundaries_kml_xxe.kml", "boundaries", "boundaries_kml_xxe.kml: cannot be read as a GeoJSON, Shapefile"),
    ("boundaries_kml_billion_laughs.kml", "boundaries", "boundaries_kml_billion_laughs.kml: cannot be read as"),
    ("boundaries_zip_slip.zip", "boundaries", "unsafe member name '../../../tmp/evil.geojson'"),
    ("boundaries_absolute_member.zip", "boundaries", "unsafe member name '/etc/evil.geojson'"),
    ("boundaries_shp_without_prj.zip", "boundaries", "the zipped shapefile ccg.shp has no .prj file: unknown CRS"),
    ("boundaries_two_layers.zip", "boundaries", "the zip must hold exactly one shapefile, GeoPackage, GeoJSON or KML"),
    ("boundaries_truncated.zip", "boundaries", "boundaries_truncated.zip: not a valid zip archive"),
    ("networks_no_code_field.geojson", "networks", "no network code field found (use --code-field); fields: label"),
    ("networks_duplicate_code.geojson", "networks", "field 'pcn_code': duplicate network code 'U00001'"),
    ("networks_outside_uk.geojson", "networks", "feature 1 lies outside the UK read as EPSG:4326"),
    ("networks_unknown_crs.geojson", "networks", "the file declares an unknown CRS 'EPSG:999999'"),
    (
        "bundle_escapes_root.toml",
        "bundle",
        "file '../../../../../../../../etc/os-release' is outside the --root folder",
    ),
    ("bundle_absolute_path.toml", "bundle", "file '/etc/os-release' is an absolute path; give it relative to --root"),
    ("bundle_not_toml.toml", "bundle", "bundle_not_toml.toml: not a valid TOML manifest"),
    ("bundle_unknown_section.toml", "bundle", "field 'surgeries': unknown section [surgeries]"),
    ("bundle_missing_file.toml", "bundle", "[practices] file not found: "),
    ("bundle_bad_member.toml", "bundle", "practices_duplicate_code.csv, line 2, field 'organisation_code': duplicate"),
    ("bundle_symlink_escape.toml", "bundle", "file 'escape_link/os-release' is outside the --root folder"),
]


# A bundle's message names the member file that is wrong, not the manifest.
NAMED = {"bundle_bad_member.toml": "practices_duplicate_code.csv"}


@pytest.fixture(scope="module")
def corpus_db_url(maintenance_url, template_db):
    """A database holding the test bundle (so postcodes match a register and networks have a scenario)."""
    from geo_service.db.pool import Database
    from geo_service.ingest.bundle import import_bundle
    from tests.conftest import clone_database, drop_database

    url = clone_database(maintenance_url, template_db, "malformed")
    db = Database(url, statement_timeout_ms=0)
    import_bundle(db, DATA / "bundle.toml")
    db.close()
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def corpus_db(corpus_db_url):
    from geo_service.db.pool import Database

    db = Database(corpus_db_url, statement_timeout_ms=0)
    yield db
    db.close()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """The committed corpus as a folder of its own, plus a symbolic link that leads out of it."""
    folder = tmp_path_factory.mktemp("corpus")
    for f in CORPUS.iterdir():
        if f.is_file() and f.suffix != ".py":
            (folder / f.name).write_bytes(f.read_bytes())
    (folder / "escape_link").symlink_to("/etc")
    return folder


def test_the_committed_corpus_is_what_the_script_writes(tmp_path):
    make_corpus.write_corpus(tmp_path)
    made = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    committed = {p.name: p.read_bytes() for p in CORPUS.iterdir() if p.suffix != ".py" and p.is_file()}
    assert made == committed
    assert len(committed) >= 40
    assert {case[0] for case in CASES} == set(committed), "every corpus file has a case"


def _run(db_url: str, importer: str, files: list[Path]):
    started = time.perf_counter()
    res = CliRunner(env={"DATABASE_URL": db_url}).invoke(main, _args(importer, files))
    return res, time.perf_counter() - started


def _assert_refused(res, expected: str, files: list[Path]) -> None:
    out = res.output
    assert res.exit_code == 1, (res.exit_code, out, res.exception)
    assert isinstance(res.exception, SystemExit), res.exception  # the ServiceGroup's exit, not a crash
    assert "Traceback" not in out
    lines = out.strip().splitlines()
    assert len(lines) == 1, out
    assert lines[0].startswith(f"Error: {NAMED.get(files[0].name, files[0].name)}"), out
    assert expected in lines[0], out


@pytest.mark.parametrize("name, importer, expected", CASES, ids=[c[0] for c in CASES])
def test_malformed_file_is_refused_in_one_line(corpus_db_url, corpus_db, corpus, name, importer, expected):
    files = [corpus / name]
    before = snapshot(corpus_db)
    res, _seconds = _run(corpus_db_url, importer, files)  # how long a refusal takes: benchmarks/harness_timings.py
    _assert_refused(res, expected, files)
    assert snapshot(corpus_db) == before  # data version and every imported table unchanged
    assert "PRETTY_NAME" not in res.output  # a file outside --root is never read, so never echoed


@pytest.mark.parametrize(
    "name, importer",
    [
        ("practices_html_page.csv", "list-sizes"),
        ("practices_binary.csv", "postcodes"),
        ("boundaries_not_json.geojson", "networks"),
        ("pcn_entity.xlsx", "boundaries"),
        ("list_sizes_ragged.csv", "lookup"),
        ("boundaries_point.geojson", "pcn"),
        ("practices_empty.csv", "bundle"),
        ("pcn_billion_laughs.xlsx", "practices"),
    ],
)
def test_a_file_given_to_the_wrong_importer_is_refused_too(corpus_db_url, corpus_db, corpus, name, importer):
    files = [corpus / name]
    before = snapshot(corpus_db)
    res, _ = _run(corpus_db_url, importer, files)
    _assert_refused(res, "", files)
    assert snapshot(corpus_db) == before


# ---- bombs and huge lines: bounded time and memory, measured in a subprocess -----------------------------

_PROBE = """
import json, resource, sys, time
from click.testing import CliRunner
from geo_service.cli import main
runner = CliRunner(env={"DATABASE_URL": sys.argv[1]})
runner.invoke(main, ["import", "--help"])
import geo_service.ingest.bundle, geo_service.ingest.pcn, openpyxl, pyogrio  # warm: imports are not the file's cost
out = []
for args in json.loads(sys.argv[2]):
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    res = runner.invoke(main, args)
    out.append({"args": args, "exit": res.exit_code, "output": res.output, "seconds": time.perf_counter() - started,
                "rss_growth_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base,
                "crash": None if isinstance(res.exception, SystemExit) else repr(res.exception)})
print(json.dumps(out))
"""

BOMBS = [
    ("practices_bomb.csv.gz", make_corpus.gzip_bomb, "practices", "expands more than 100 times when decompressed"),
    ("list_sizes_bomb.csv.gz", make_corpus.gzip_bomb, "list-sizes", "refused as a likely decompression bomb"),
    (
        "pcn_comment_bomb.xlsx",
        make_corpus.xlsx_comment_bomb,
        "pcn",
        "member 'xl/worksheets/sheet1.xml' expands more than 100 times",
    ),
    ("boundaries_bomb.zip", make_corpus.zip_bomb, "boundaries", "member 'ccg.geojson' expands more than 100 times"),
    ("practices_long_line.csv", make_corpus.long_line, "practices", "line 1: the line is longer than 65,536"),
]


def test_bombs_and_huge_lines_stop_early_in_bounded_time_and_memory(corpus_db_url, corpus_db, tmp_path):
    runs = []
    for name, build, importer, _ in BOMBS:
        path = build(tmp_path / name)
        runs.append(_args(importer, [path]))
    before = snapshot(corpus_db)
    env = {**os.environ, "DATABASE_URL": corpus_db_url}
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, corpus_db_url, json.dumps(runs)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    for (name, _, _, expected), r in zip(BOMBS, results, strict=True):
        size = (tmp_path / name).stat().st_size
        print(f"{name}: {size:,} bytes, {r['seconds']:.2f} s, peak RSS +{r['rss_growth_kib']:,} KiB")
        assert r["crash"] is None, (name, r)
        assert r["exit"] == 1, (name, r)
        lines = r["output"].strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Error: {name}"), (name, r["output"])
        assert expected in lines[0], (name, lines[0])
        assert r["seconds"] < 10, (name, r["seconds"])
        assert r["rss_growth_kib"] < 100 * 1024, (name, r["rss_growth_kib"])
    assert snapshot(corpus_db) == before
