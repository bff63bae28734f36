"""Boundary imports: GeoJSON, zipped Shapefile in EPSG:27700, GeoPackage; repair; codes; bad files."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import box

from geo_service.errors import InputFileError, InvalidParameter
from geo_service.ingest.boundaries import import_boundaries
from geo_service.ingest.lookups import import_lookup
from tests.ingest.conftest import DATA, scalar, snapshot


def _areas(db):
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT a.ods_code, a.gss_code, a.name, a.made_valid, ST_AsBinary(a.geom), ST_GeometryType(a.geom)"
            " FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id ORDER BY a.gss_code"
        )
        return [(o, g, n, mv, shapely.from_wkb(bytes(w)), t) for o, g, n, mv, w, t in cur.fetchall()]


def test_geojson_with_an_invalid_polygon(fresh_db):
    report = import_boundaries(fresh_db, DATA / "ccg_boundaries.geojson", "Test CCGs 2019", "ccg", "2019-04")
    assert report.summary() == "boundaries: 2 added, 0 updated, 0 unchanged; 1 made valid, 1 new boundary set"
    rows = _areas(fresh_db)
    assert [(o, g, n, mv, t) for o, g, n, mv, _geom, t in rows] == [
        ("09C", "E38000002", "NHS Ashford CCG", False, "ST_MultiPolygon"),
        ("09E", "E38000045", "NHS Canterbury and Coastal CCG", True, "ST_MultiPolygon"),
    ]
    expected = shapely.MultiPolygon([box(0.5, 51.0, 1.0, 51.3)]).normalize()
    assert rows[0][4].normalize().equals_exact(expected, 1e-9)
    bowtie = rows[1][4]
    assert bowtie.is_valid and len(bowtie.geoms) == 2  # the bow-tie became its two triangles
    assert bowtie.area == pytest.approx(0.5 * 0.2 / 2 * 2)
    assert scalar(fresh_db, "SELECT slug || '|' || level || '|' || vintage FROM boundary_sets") == (
        "test-ccgs-2019|ccg|2019-04"
    )


def test_reimport_is_a_no_op_and_a_changed_file_updates(fresh_db, tmp_path):
    import_boundaries(fresh_db, DATA / "ccg_boundaries.geojson", "Test CCGs 2019", "ccg", "2019-04")
    before = snapshot(fresh_db)
    again = import_boundaries(fresh_db, DATA / "ccg_boundaries.geojson", "Test CCGs 2019", "ccg", "2019-04")
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)
    assert snapshot(fresh_db) == before
    fc = json.loads((DATA / "ccg_boundaries.geojson").read_text())
    fc["features"][0]["properties"]["CCG19NM"] = "NHS Ashford CCG (renamed)"
    fc["features"].pop(1)
    changed = tmp_path / "changed.geojson"
    changed.write_text(json.dumps(fc))
    r = import_boundaries(fresh_db, changed, "Test CCGs 2019", "ccg", "2019-04")
    assert (r.added, r.updated, r.unchanged, r.notes["removed"]) == (0, 1, 0, 1)
    assert scalar(fresh_db, "SELECT name FROM areas") == "NHS Ashford CCG (renamed)"


def _shapefile_zip(tmp_path, with_prj=True, name="ccg.zip"):
    gdf = gpd.read_file(DATA / "ccg_boundaries.geojson").iloc[:1].to_crs(27700)
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir(exist_ok=True)
    gdf.to_file(shp_dir / "ccg.shp")
    z = tmp_path / name
    with zipfile.ZipFile(z, "w") as zf:
        for f in sorted(shp_dir.iterdir()):
            if with_prj or f.suffix != ".prj":
                zf.write(f, f"CCG_APR_2019/{f.name}")
    return z


def test_zipped_shapefile_in_british_national_grid(fresh_db, tmp_path):
    z = _shapefile_zip(tmp_path)
    report = import_boundaries(fresh_db, z, "Test CCGs BNG", "ccg", "2019-04")
    assert (report.added, report.notes["made valid"]) == (1, 0)
    (row,) = _areas(fresh_db)
    assert row[:3] == ("09C", "E38000002", "NHS Ashford CCG")
    # Reprojected back to lon/lat: the same box within a few millimetres' worth of degrees.
    assert row[4].normalize().equals_exact(shapely.MultiPolygon([box(0.5, 51.0, 1.0, 51.3)]).normalize(), 1e-7)


def test_geopackage_in_british_national_grid(fresh_db, tmp_path):
    gdf = gpd.read_file(DATA / "ccg_boundaries.geojson").to_crs(27700)
    gdf.to_file(tmp_path / "ccg.gpkg", layer="ccg19", driver="GPKG")
    report = import_boundaries(fresh_db, tmp_path / "ccg.gpkg", "Test CCGs GPKG", "ccg", "2019-04")
    assert (report.added, report.notes["made valid"]) == (2, 1)


def test_codes_from_a_lookup_when_the_file_has_no_ods_field(fresh_db, tmp_path):
    fc = json.loads((DATA / "ccg_boundaries.geojson").read_text())
    for f in fc["features"]:
        del f["properties"]["CCG19CDH"]
    nods = tmp_path / "no_ods.geojson"
    nods.write_text(json.dumps(fc))
    import_boundaries(fresh_db, nods, "Test CCGs 2019", "ccg", "2019-04")
    assert [r[0] for r in _areas(fresh_db)] == [None, None]
    report = import_lookup(fresh_db, DATA / "ccg_names_codes.csv")
    assert (report.added, report.notes["area codes linked"]) == (2, 2)
    assert [r[0] for r in _areas(fresh_db)] == ["09C", "09E"]
    # Re-importing the boundary file now finds the ODS codes through the lookup: nothing changes.
    before = snapshot(fresh_db)
    again = import_boundaries(fresh_db, nods, "Test CCGs 2019", "ccg", "2019-04")
    assert (again.updated, again.unchanged) == (0, 2)
    assert snapshot(fresh_db) == before


def test_truncated_geojson(fresh_db, tmp_path):
    import_boundaries(fresh_db, DATA / "ccg_boundaries.geojson", "Test CCGs 2019", "ccg", "2019-04")
    before = snapshot(fresh_db)
    text = (DATA / "ccg_boundaries.geojson").read_text()
    cut = tmp_path / "truncated.geojson"
    cut.write_text(text[: len(text) // 2])
    with pytest.raises(InputFileError) as err:
        import_boundaries(fresh_db, cut, "Test CCGs 2019", "ccg", "2019-04")
    lines = text[: len(text) // 2].count("\n") + 1
    assert err.value.detail.startswith(f"truncated.geojson, line {lines}: not valid JSON, the file may be truncated")
    assert snapshot(fresh_db) == before


def test_shapefile_zip_without_prj(fresh_db, tmp_path):
    import_boundaries(fresh_db, DATA / "ccg_boundaries.geojson", "Test", "ccg", "2019-04")
    before = snapshot(fresh_db)
    z = _shapefile_zip(tmp_path, with_prj=False, name="noprj.zip")
    with pytest.raises(InputFileError) as err:
        import_boundaries(fresh_db, z, "Test", "ccg", "2019-04")
    assert err.value.detail == "noprj.zip: the zipped shapefile CCG_APR_2019/ccg.shp has no .prj file: unknown CRS"
    assert snapshot(fresh_db) == before


def test_zip_with_parent_directory_members(fresh_db, tmp_path):
    z = _shapefile_zip(tmp_path, name="evil.zip")
    with zipfile.ZipFile(z, "a") as zf:
        zf.writestr("../../outside.txt", "x")
    before = snapshot(fresh_db)
    with pytest.raises(InputFileError) as err:
        import_boundaries(fresh_db, z, "Test", "ccg", "2019-04")
    assert err.value.detail == "evil.zip: unsafe member name '../../outside.txt' (absolute path or '..') in zip archive"
    assert snapshot(fresh_db) == before


def test_empty_and_non_vector_files(fresh_db, tmp_path):
    (tmp_path / "empty.geojson").write_bytes(b"")
    with pytest.raises(InputFileError) as err:
        import_boundaries(fresh_db, tmp_path / "empty.geojson", "Test", "ccg", "2019-04")
    assert err.value.detail == "empty.geojson: the file is empty (0 bytes)"
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputFileError) as err:
        import_boundaries(fresh_db, tmp_path / "notes.txt", "Test", "ccg", "2019-04")
    assert err.value.detail == "notes.txt: cannot be read as a GeoJSON, Shapefile, GeoPackage or KML file"


def test_points_duplicates_and_fields(fresh_db, tmp_path):
    fc = json.loads((DATA / "ccg_boundaries.geojson").read_text())
    dup = json.loads(json.dumps(fc))
    dup["features"][1]["properties"]["CCG19CD"] = "E38000002"
    (tmp_path / "dup.geojson").write_text(json.dumps(dup))
    with pytest.raises(InputFileError) as err:
        import_boundaries(fresh_db, tmp_path / "dup.geojson", "Test", "ccg", "2019-04")
    assert err.value.detail == "dup.geojson, field 'CCG19CD': duplicate code 'E38000002' in features 1 and 2"
    pts = {
        "type": "FeatureCollection",
        "features": [dict(fc["features"][0], geometry={"type": "Point", "coordinates": [0, 51]})],
    }
    (tmp_path / "pts.geojson").write_text(json.dumps(pts))
    with pytest.raises(InputFileError) as err:
        import_boundaries(fresh_db, tmp_path / "pts.geojson", "Test", "ccg", "2019-04")
    assert err.value.detail == "pts.geojson: feature 1 is a Point; polygons are expected"
    with pytest.raises(InputFileError) as err:
        import_boundaries(fresh_db, DATA / "ccg_boundaries.geojson", "Test", "ccg", "2019-04", name_field="NAME")
    assert err.value.detail == (
        "ccg_boundaries.geojson: no field 'NAME' (given as --name-field); fields: CCG19CD, CCG19CDH, CCG19NM"
    )
    with pytest.raises(InvalidParameter):
        import_boundaries(fresh_db, DATA / "ccg_boundaries.geojson", "Test", "county", "2019-04")
    assert scalar(fresh_db, "SELECT count(*) FROM boundary_sets") == 0
