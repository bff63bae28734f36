"""Every vector export is read back with GDAL (pyogrio, and ogrinfo from gdal-bin): layers, counts, fields, CRS."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import zipfile

import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import Point

from geo_service.analysis.findings import NETWORK_FINDINGS, PRACTICE_FINDINGS
from geo_service.crs import to_bng
from geo_service.demo.generator import PROPOSAL, REGISTERED
from geo_service.errors import InvalidParameter, NotFound
from geo_service.exports import service
from geo_service.exports.vector import shapefile_field_names
from geo_service.scope import resolve_scope

KNOWN = "Z00001"
# One column per finding key of the rule registry, plus the plain-English labels.
NETWORK_FINDING_COLUMNS = {*NETWORK_FINDINGS, "findings"}
PRACTICE_FINDING_COLUMNS = {*PRACTICE_FINDINGS, "findings"}


def expected_counts(demo_data, scenario: str) -> dict[str, int]:
    nets = demo_data.scenarios[scenario]["networks"]
    return {
        "practices": sum(1 for p in demo_data.practices if p.status == "active"),
        "networks": len(nets),
        "areas": len(demo_data.areas),
        "memberships": sum(len(n.members) for n in nets),
    }


def known_location(demo_data, srid: int) -> Point:
    p = next(p for p in demo_data.practices if p.ods_code == KNOWN)
    return p.location if srid == 4326 else Point(*to_bng(p.location.x, p.location.y))


def distance_m(a: Point, b: Point, srid: int) -> float:
    if srid == 4326:
        a, b = Point(*to_bng(a.x, a.y)), Point(*to_bng(b.x, b.y))
    return a.distance(b)


def ogrinfo(path: str, *layers: str) -> str:
    if shutil.which("ogrinfo") is None:
        pytest.skip("ogrinfo (gdal-bin) is not installed")
    out = subprocess.run(["ogrinfo", "-so", "-ro", path, *layers], capture_output=True, text=True, check=True)
    return out.stdout


@pytest.fixture
def export(demo_conn):
    made = []

    def run(**kwargs):
        result = service.export_vector(demo_conn, **kwargs)
        made.append(result)
        return result

    yield run
    for r in made:
        r.cleanup()


@pytest.mark.parametrize("srid", [4326, 27700])
def test_geopackage_has_all_layers_counts_fields_and_crs(export, demo_data, srid):
    result = export(scenario=REGISTERED, format="gpkg", crs=str(srid))
    path = str(result.path)
    assert result.filename.endswith(".gpkg") and result.filename.startswith(REGISTERED)
    layers = {name: gtype for name, gtype in pyogrio.list_layers(path)}
    assert layers == {"practices": "Point", "networks": "MultiPolygon", "areas": "MultiPolygon", "memberships": None}
    want = expected_counts(demo_data, REGISTERED)
    for name, count in want.items():
        info = pyogrio.read_info(path, layer=name)
        assert info["features"] == count, name
        if name != "memberships":
            assert info["crs"] == f"EPSG:{srid}"
    assert NETWORK_FINDING_COLUMNS <= set(pyogrio.read_info(path, layer="networks")["fields"])
    assert PRACTICE_FINDING_COLUMNS <= set(pyogrio.read_info(path, layer="practices")["fields"])
    assert {"network_code", "practice_code", "start_date", "end_date"} <= set(
        pyogrio.read_info(path, layer="memberships")["fields"]
    )
    assert "cross_boundary_geographic" not in pyogrio.read_info(path, layer="networks")["fields"]

    practices = pyogrio.read_dataframe(path, layer="practices")
    got = practices.set_index("ods_code").geometry[KNOWN]
    assert distance_m(got, known_location(demo_data, srid), srid) < 1.0

    text = ogrinfo(path, "practices")
    assert f"Feature Count: {want['practices']}" in text
    assert ('EPSG",27700' in text) if srid == 27700 else ('EPSG",4326' in text)


@pytest.mark.parametrize("layer", ["practices", "networks", "areas", "memberships"])
def test_geojson_is_rfc7946_one_layer(export, demo_data, layer):
    result = export(scenario=PROPOSAL, format="geojson", layer=layer)
    assert result.filename.endswith(f"_{layer}_{result.filename.rsplit('_', 1)[1]}")
    doc = json.loads(result.path.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and "crs" not in doc  # RFC 7946: WGS 84 only, no crs member
    assert len(doc["features"]) == expected_counts(demo_data, PROPOSAL)[layer]
    info = pyogrio.read_info(str(result.path))
    assert info["features"] == len(doc["features"]) and info["crs"] == "EPSG:4326"
    if layer == "practices":
        df = pyogrio.read_dataframe(str(result.path))
        got = df.set_index("ods_code").geometry[KNOWN]
        assert distance_m(got, known_location(demo_data, 4326), 4326) < 1.0
    if layer == "networks":
        assert NETWORK_FINDING_COLUMNS <= set(info["fields"])


@pytest.mark.parametrize("srid", [4326, 27700])
def test_shapefile_zip_opens_in_gdal_and_documents_field_names(export, demo_data, srid):
    result = export(scenario=REGISTERED, format="shp", crs=srid)
    assert result.filename.endswith(".zip")
    with zipfile.ZipFile(result.path) as zf:
        names = set(zf.namelist())
        readme = zf.read("README.txt").decode("utf-8")
    for layer in ("practices", "networks", "areas"):
        assert {f"{layer}.{ext}" for ext in ("shp", "shx", "dbf", "prj", "cpg")} <= names
    assert "memberships.dbf" in names and "memberships.shp" not in names
    want = expected_counts(demo_data, REGISTERED)
    for layer in ("practices", "networks", "areas", "memberships"):
        ext = "dbf" if layer == "memberships" else "shp"
        vsi = f"/vsizip/{result.path}/{layer}.{ext}"
        info = pyogrio.read_info(vsi)
        assert info["features"] == want[layer], layer
        assert all(len(f) <= 10 for f in info["fields"])
        if layer != "memberships":
            assert info["crs"] == f"EPSG:{srid}"
            assert info["encoding"] == "UTF-8"
    # The README maps every field of every file back to its full name, the new findings' included.
    assert "x_bnd_adm   cross_boundary_administrative" in readme
    assert "xbndmemloc  cross_boundary_member_location" in readme
    assert "cat_spl     catchment_spill" in readme
    assert "not_in_reg  not_in_register" in readme
    assert "memwolstsz  members_without_list_size" in readme
    assert f"EPSG:{srid}" in readme
    net_fields = pyogrio.read_info(f"/vsizip/{result.path}/networks.shp")["fields"]
    for field in net_fields:
        assert f"    {field:<10}  " in readme
    practices = pyogrio.read_dataframe(f"/vsizip/{result.path}/practices.shp")
    got = practices.set_index("ods_code").geometry[KNOWN]
    assert distance_m(got, known_location(demo_data, srid), srid) < 1.0
    text = ogrinfo(f"/vsizip/{result.path}/networks.shp", "networks")
    assert f"Feature Count: {want['networks']}" in text and "x_bnd_adm" in text


def test_kml_reads_back(export, demo_data):
    result = export(scenario=REGISTERED, format="kml", layer="practices")
    info = pyogrio.read_info(str(result.path))
    assert info["crs"] == "EPSG:4326"
    df = pyogrio.read_dataframe(str(result.path))
    assert len(df) == expected_counts(demo_data, REGISTERED)["practices"]
    known = next(p for p in demo_data.practices if p.ods_code == KNOWN)
    got = df.set_index("Name").geometry[known.name]
    assert distance_m(got, known.location, 4326) < 1.0
    assert "Feature Count: 62" in ogrinfo(str(result.path), "practices")


@pytest.mark.parametrize("srid, x, y", [(4326, "lon", "lat"), (27700, "easting", "northing")])
def test_csv_points_as_coordinates(export, demo_data, srid, x, y):
    result = export(scenario=REGISTERED, format="csv", layer="practices", crs=srid)
    df = pd.read_csv(result.path)
    assert len(df) == expected_counts(demo_data, REGISTERED)["practices"]
    row = df.set_index("ods_code").loc[KNOWN]
    assert distance_m(Point(row[x], row[y]), known_location(demo_data, srid), srid) < 1.0
    assert df[x].isna().sum() == 1  # the planted practice without a location
    assert pyogrio.read_info(str(result.path))["features"] == len(df)


def test_csv_polygons_as_wkt(export, demo_data):
    result = export(scenario=PROPOSAL, format="csv", layer="networks", crs="27700")
    df = pd.read_csv(result.path)
    assert len(df) == expected_counts(demo_data, PROPOSAL)["networks"]
    geoms = shapely.from_wkt(df["WKT"])
    assert all(g.geom_type == "MultiPolygon" for g in geoms)
    assert all(g.bounds[0] > 100_000 for g in geoms)  # metres, not degrees


def test_findings_columns_match_the_planted_cases(export, demo_data):
    planted = demo_data.planted[REGISTERED]
    result = export(scenario=REGISTERED, format="gpkg", layer="practices,networks")
    practices = pyogrio.read_dataframe(str(result.path), layer="practices").set_index("ods_code")
    networks = pyogrio.read_dataframe(str(result.path), layer="networks").set_index("code")
    assert set(practices.index[practices["orphaned"] == 1]) == planted["orphaned_practices"]
    assert set(practices.index[practices["no_location"] == 1]) == planted["practices_without_location"]
    assert set(networks.index[networks["undersized"] == 1]) == planted["undersized_networks"]
    assert set(networks.index[networks["oversized"] == 1]) == planted["oversized_networks"]
    assert set(networks.index[networks["dominated"] == 1]) == planted["dominated_networks"]
    assert (
        set(networks.index[networks["cross_boundary_administrative"] == 1]) == planted["cross_boundary_administrative"]
    )
    assert networks.loc["UZ0001", "findings"] == "Population below the minimum"
    assert (networks["geometry_source"] == "member_hull").all()  # the registered scenario has no polygons
    assert networks.loc["UZ0001", "member_count"] == 3 and networks.loc["UZ0001", "population"] == 22_000


def test_area_filter(export, demo_data):
    result = export(scenario=REGISTERED, format="gpkg", area="za4")
    assert "_za4_" in result.filename
    path = str(result.path)
    areas = pyogrio.read_dataframe(path, layer="areas")
    assert list(areas["ods_code"]) == ["ZA4"]
    networks = pyogrio.read_dataframe(path, layer="networks")
    reg = {n.code: n for n in demo_data.scenarios[REGISTERED]["networks"]}
    assert set(networks["code"]) == {c for c, n in reg.items() if n.lead_commissioner_code == "ZA4"}
    practices = set(pyogrio.read_dataframe(path, layer="practices")["ods_code"])
    own = {p.ods_code for p in demo_data.practices if p.commissioner_code == "ZA4" and p.status == "active"}
    members = {m for code in networks["code"] for m in reg[code].members}
    assert practices == own | members  # includes the ZA3 practice registered in UZ0010 (cross-boundary)
    memberships = pyogrio.read_dataframe(path, layer="memberships")
    assert len(memberships) == len(members)


def test_unknown_scenario_area_and_bad_parameters(demo_conn):
    with pytest.raises(NotFound):
        service.export_vector(demo_conn, "no-such-scenario", "gpkg")
    with pytest.raises(NotFound):
        service.export_vector(demo_conn, REGISTERED, "gpkg", area="ZZ9")
    with pytest.raises(NotFound):
        service.export_vector(demo_conn, REGISTERED, "gpkg", boundary_set="nope")
    with pytest.raises(InvalidParameter):
        service.export_vector(demo_conn, REGISTERED, "gpkg", crs="3857")


def test_work_folder_removed_after_streaming(demo_conn):
    result = service.export_vector(demo_conn, REGISTERED, "geojson", layer="areas")
    assert result.workdir.exists()
    body = b"".join(result.chunks(size=1024))
    assert json.loads(body)["type"] == "FeatureCollection"
    assert not result.workdir.exists()


def test_metadata_names_the_extracts_and_dates(export, demo_conn):
    """GeoPackage layers (description and metadata), GeoJSON (description) and the Shapefile README carry the
    scope's data line; every export carries it for the X-Data-Scope header."""
    line = resolve_scope(demo_conn, REGISTERED).data_line()
    assert line.startswith("as of 1 Oct 2024 · register Oct 2024") and line.endswith("synthetic demo data")

    gpkg = export(scenario=REGISTERED, format="gpkg")
    assert gpkg.data_line == line
    with sqlite3.connect(gpkg.path) as db:
        descriptions = dict(db.execute("SELECT table_name, description FROM gpkg_contents"))
    assert set(descriptions) == {"practices", "networks", "areas", "memberships"}
    assert all(d.endswith(line) for d in descriptions.values())
    info = pyogrio.read_info(str(gpkg.path), layer="practices")
    assert info["layer_metadata"]["DATA_SCOPE"] == line
    assert info["layer_metadata"]["AS_OF"] == "2024-10-01"
    assert info["layer_metadata"]["BOUNDARY_SET"] == "demo-ccg"
    assert "synthetic demo generator" in info["layer_metadata"]["LIST_SIZES_EXTRACT"]
    assert info["dataset_metadata"]["DATA_SCOPE"] == line

    geojson = export(scenario=REGISTERED, format="geojson", layer="networks")
    assert json.loads(geojson.path.read_text(encoding="utf-8"))["description"].endswith(line)

    shp = export(scenario=REGISTERED, format="shp", layer="networks")
    with zipfile.ZipFile(shp.path) as zf:
        readme = zf.read("README.txt").decode("utf-8")
    assert f"Data:          {line}" in readme
    assert "As of:         2024-10-01" in readme
    assert "List sizes:    synthetic demo generator (seed" in readme

    csv = export(scenario=REGISTERED, format="csv", layer="practices")
    assert csv.data_line == line


def test_shapefile_names_of_every_layer_are_unique(export):
    result = export(scenario=PROPOSAL, format="gpkg")
    for layer in ("practices", "networks", "areas", "memberships"):
        fields = pyogrio.read_info(str(result.path), layer=layer)["fields"]
        names = shapefile_field_names(list(fields))
        assert all(len(v) <= 10 for v in names.values()), layer
        assert len(set(names.values())) == len(fields), layer


def test_memberships_are_those_current_on_as_of(fresh_db, tmp_path):
    """A membership that ended before the scenario's date, or starts after it, leaves the memberships table,
    the network's member count and population and the practice's network codes (it is orphaned then); one
    that ends on the date stays."""
    from geo_service.demo.load import load_demo

    load_demo(fresh_db)
    with fresh_db.connection() as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT p.ods_code, n.code, m.id, s.as_of FROM memberships m JOIN scenarios s ON s.id = m.scenario_id
                 JOIN practices p ON p.id = m.practice_id JOIN networks n ON n.id = m.network_id
                WHERE s.slug = %(s)s AND n.code = 'UZ0002' ORDER BY p.ods_code""",
            {"s": REGISTERED},
        )
        rows = cur.fetchall()
        assert len(rows) >= 3
        (ended, _, ended_id, as_of), (late, _, late_id, _), (kept, _, kept_id, _) = rows[:3]
        cur.execute(
            """UPDATE memberships SET end_date = CASE id WHEN %(e)s THEN %(d)s::date - 1 WHEN %(k)s THEN %(d)s END,
                                      start_date = CASE id WHEN %(l)s THEN %(d)s::date + 1 ELSE start_date END
                WHERE id IN (%(e)s, %(l)s, %(k)s)""",
            {"e": ended_id, "l": late_id, "k": kept_id, "d": as_of},
        )
    with fresh_db.connection() as conn:
        out = service.export_vector(conn, REGISTERED, "gpkg").move_to(tmp_path / "x.gpkg")
    members = pyogrio.read_dataframe(str(out), layer="memberships")
    uz2 = members[members["network_code"] == "UZ0002"]
    assert set(uz2["practice_code"]) == {r[0] for r in rows} - {ended, late}
    assert uz2.set_index("practice_code").loc[kept, "end_date"] == as_of.isoformat()
    practices = pyogrio.read_dataframe(str(out), layer="practices").set_index("ods_code")
    assert practices.loc[ended, "network_count"] == 0 and practices.loc[ended, "orphaned"]
    assert practices.loc[late, "network_count"] == 0 and practices.loc[late, "orphaned"]
    assert practices.loc[kept, "network_codes"] == "UZ0002" and not practices.loc[kept, "orphaned"]
    networks = pyogrio.read_dataframe(str(out), layer="networks").set_index("code")
    assert networks.loc["UZ0002", "member_count"] == len(rows) - 2
    kept_sizes = practices.loc[list(uz2["practice_code"]), "list_size"]
    assert networks.loc["UZ0002", "population"] == int(kept_sizes.sum())
