"""Real clients against a live server on England 2019/20: GDAL's OAPIF driver (ogrinfo, pyogrio), OWSLib's
Features client and GDAL's MVT driver. Counts are checked against SQL written here, not the service's queries."""

from __future__ import annotations

import json
import math
import subprocess
import urllib.request

import pytest
import shapely
from owslib.ogcapi.features import Features
from pyproj import Transformer
from shapely.geometry import shape

from tests.ogc.conftest import sql_value

SCENARIO = "epcn-december-2019"
BNG = "http://www.opengis.net/def/crs/EPSG/0/27700"
pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "ogrinfo"], capture_output=True).returncode != 0,
    reason="ogrinfo (Debian gdal-bin) is not installed",
)


def _ogrinfo(*args: str) -> str:
    done = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _expected_counts(db_url: str) -> dict[str, int]:
    """Every collection's size, counted from the tables with this test's own reading of the rules: areas of
    each set; active GP practices (status active, prescribing setting 4) of England in the scenario's register
    extract; networks and membership rows of each scenario."""
    out = {}
    conn_sets = sql_value(db_url, "SELECT json_agg(json_build_object('slug', slug, 'id', id)) FROM boundary_sets")
    for bs in conn_sets:
        out[f"{bs['slug']}-areas"] = sql_value(
            db_url, "SELECT count(*) FROM areas WHERE boundary_set_id = %(i)s", {"i": bs["id"]}
        )
    scenarios = sql_value(db_url, "SELECT json_agg(json_build_object('slug', slug, 'id', id)) FROM scenarios")
    for sc in scenarios:
        register = sql_value(
            db_url,
            """SELECT coalesce(s.register_extract_id,
                      (SELECT e.id FROM extracts e WHERE e.kind = 'practices' AND e.dataset = s.dataset
                        ORDER BY e.extract_date <= s.as_of DESC, abs(e.extract_date - s.as_of) LIMIT 1))
                 FROM scenarios s WHERE s.id = %(i)s""",
            {"i": sc["id"]},
        )
        out[f"{sc['slug']}-practices"] = sql_value(
            db_url,
            """SELECT count(*) FROM practice_register r WHERE r.extract_id = %(e)s AND r.status = 'active'
                  AND r.prescribing_setting = 4 AND (r.nation IS NULL OR r.nation = 'england')""",
            {"e": register},
        )
        out[f"{sc['slug']}-networks"] = sql_value(
            db_url, "SELECT count(*) FROM networks WHERE scenario_id = %(i)s", {"i": sc["id"]}
        )
        out[f"{sc['slug']}-memberships"] = sql_value(
            db_url, "SELECT count(*) FROM memberships WHERE scenario_id = %(i)s", {"i": sc["id"]}
        )
    return out


def test_ogrinfo_lists_and_reads_every_collection(real_ogc):
    url = f"OAPIF:{real_ogc.url}/ogc"
    expected = _expected_counts(real_ogc.db_url)
    # One ogrinfo reads every layer it lists (one GDAL start and one opening of the service, not one per layer):
    # "Layer name: <layer>" heads each layer's part, "OGRFeature(<layer>):<fid>" each feature read.
    out = _ogrinfo("-al", "-geom=NO", "-oo", "PAGE_SIZE=2000", url)
    listed = [line.split(": ", 1)[1].strip() for line in out.splitlines() if line.startswith("Layer name: ")]
    assert len(listed) == len(set(listed)) and set(listed) == set(expected)
    read = dict.fromkeys(listed, 0)
    for line in out.splitlines():
        if line.startswith("OGRFeature("):
            read[line[len("OGRFeature(") : line.rindex("):")]] += 1
    for layer, count in expected.items():
        assert read[layer] == count, layer
        assert count > 0, layer


def _ogr2ogr_geojson(tmp_path, name: str, source: str, *args: str) -> list[dict]:
    """Features read by GDAL in a child process (the server runs in this one), written as GeoJSON."""
    out = tmp_path / f"{name}.geojson"
    done = subprocess.run(
        ["ogr2ogr", "-f", "GeoJSON", "-lco", "COORDINATE_PRECISION=7", str(out), source, *args],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())["features"]


def test_crs84_and_bng_agree_within_a_metre(real_ogc, tmp_path):
    """The same features read in CRS84 (GDAL OAPIF) and EPSG:27700 (GDAL GeoJSON on ?crs=): within 1 m."""
    to_bng = Transformer.from_crs(4326, 27700, always_xy=True).transform
    for kind, limit in (("practices", 300), ("networks", 40), ("areas", 5)):
        layer = "ccg-april-2019-areas" if kind == "areas" else f"{SCENARIO}-{kind}"
        lonlat = _ogr2ogr_geojson(
            tmp_path, f"{kind}-crs84", f"OAPIF:{real_ogc.url}/ogc", layer, "-limit", str(limit), "-oo", "PAGE_SIZE=100"
        )
        bng = _ogr2ogr_geojson(
            tmp_path, f"{kind}-bng", f"GeoJSON:{real_ogc.url}/ogc/collections/{layer}/items?limit={limit}&crs={BNG}"
        )
        assert len(lonlat) == len(bng) == limit
        key = "code" if kind != "practices" else "ods_code"
        by_code = {f["properties"][key]: f["geometry"] for f in bng}
        compared = 0
        for f in lonlat:
            if f["geometry"] is None:
                continue
            other = shape(by_code[f["properties"][key]])
            projected = shapely.transform(shape(f["geometry"]), to_bng, interleaved=False)
            assert projected.equals_exact(other, 1.0), f["properties"][key]
            compared += 1
        assert compared > limit / 2


def test_owslib_reads_items_with_bbox_and_paging(real_ogc):
    api = Features(f"{real_ogc.url}/ogc")
    ids = {c["id"] for c in api.collections()["collections"]}
    assert f"{SCENARIO}-practices" in ids
    bbox = [-1.62, 52.35, -1.40, 52.48]  # Coventry
    whole = api.collection_items(f"{SCENARIO}-practices", bbox=bbox, limit=1000)
    matched = whole["numberMatched"]
    assert matched == whole["numberReturned"] == len(whole["features"]) > 20
    expected = sql_value(
        real_ogc.db_url,
        """SELECT count(*) FROM practice_register r JOIN extracts e ON e.id = r.extract_id
             JOIN scenarios s ON s.slug = %(s)s AND s.register_extract_id = e.id
             JOIN postcode_points pt ON pt.extract_id = s.location_extract_id AND pt.postcode_key = r.postcode_key
            WHERE r.status = 'active' AND r.prescribing_setting = 4
              AND ST_Intersects(pt.geom, ST_MakeEnvelope(-1.62, 52.35, -1.40, 52.48, 4326))""",
        {"s": SCENARIO},
    )
    assert matched == expected
    paged, offset = [], 0
    while True:
        page = api.collection_items(f"{SCENARIO}-practices", bbox=bbox, limit=7, offset=offset)
        assert page["numberMatched"] == matched
        paged += [f["id"] for f in page["features"]]
        rels = {link["rel"]: link["href"] for link in page["links"]}
        assert ("prev" in rels) == (offset > 0)
        if "next" not in rels:
            break
        assert f"offset={offset + 7}" in rels["next"]
        offset += 7
    assert paged == [f["id"] for f in whole["features"]]
    for f in whole["features"]:
        lon, lat = f["geometry"]["coordinates"]
        assert bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def _tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    def lon(tx):
        return tx / 2**z * 360 - 180

    def lat(ty):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * ty / 2**z))))

    return lon(x), lat(y + 1), lon(x + 1), lat(y)


def _items_codes(base: str, collection: str, box, key: str) -> set[str]:
    bbox = ",".join(f"{v:.7f}" for v in box)
    with urllib.request.urlopen(f"{base}/ogc/collections/{collection}/items?limit=10000&bbox={bbox}") as r:
        return {f["properties"][key] for f in json.load(r)["features"]}


@pytest.mark.parametrize(
    "kind,z,x,y,key",
    [("practices", 12, 2030, 1345, "ods_code"), ("networks", 10, 507, 336, "code"), ("areas", 8, 126, 84, "code")],
)
def test_mvt_tile_holds_the_features_items_return_in_its_bbox(real_ogc, tmp_path, kind, z, x, y, key):
    collection = "ccg-april-2019-areas" if kind == "areas" else f"{SCENARIO}-{kind}"
    path = tmp_path / f"{y}.mvt"
    url = f"{real_ogc.url}/ogc/collections/{collection}/tiles/WebMercatorQuad/{z}/{x}/{y}"
    with urllib.request.urlopen(url) as r:
        assert r.headers["Content-Type"] == "application/vnd.mapbox-vector-tile"
        etag = r.headers["ETag"]
        path.write_bytes(r.read())
    req = urllib.request.Request(url, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(req)
    assert not_modified.value.code == 304
    out = _ogrinfo("-al", "-geom=NO", "-oo", f"X={x}", "-oo", f"Y={y}", "-oo", f"Z={z}", str(path))
    in_tile = {
        line.split("=", 1)[1].strip() for line in out.splitlines() if line.strip().startswith(f"{key} (String) =")
    }
    west, south, east, north = _tile_bounds(z, x, y)
    inside = _items_codes(real_ogc.url, collection, (west, south, east, north), key)
    assert inside, "the test tile should not be empty"
    pad = (east - west) * 64 / 4096 * 1.5
    around = _items_codes(real_ogc.url, collection, (west - pad, south - pad, east + pad, north + pad), key)
    assert inside <= in_tile <= around
