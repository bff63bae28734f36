# ruff: noqa: F811 - fixtures imported from tests.security.i21_fixtures are parameters here
"""Issue 21 findings 3, 4 and 12: uploads are bounded work, read away from the worker.

Before: a 98 KB GeoPackage whose only layer is a recursive SQL view ran at 100% CPU until killed, leaving a
transaction "idle in transaction"; a zipped Shapefile of one self-intersecting 2-million-vertex polygon took
235 s and kept +3.3 GB in the worker; polygons in Sydney or with latitude and longitude swapped were saved.
"""

from __future__ import annotations

import io
import json
import math
import resource
import sqlite3
import threading
import zipfile

import psycopg2
import pytest

from tests.security.i21_fixtures import bearer, make_plan, secure_app, secure_db, tokens  # noqa: F401 - fixtures

SQUARE = [(-1.30, 52.50), (-1.20, 52.50), (-1.20, 52.56), (-1.30, 52.56), (-1.30, 52.50)]


@pytest.fixture(scope="module")
def client(secure_app):
    return secure_app.test_client()


@pytest.fixture(scope="module")
def slug(client, tokens):
    return make_plan(client, tokens["ed"], "upload-target")["slug"]


def _post(client, token, slug, name: str, data: bytes, **form):
    etag = client.get(f"/api/v1/plans/{slug}", headers=bearer(token)).headers["ETag"]
    return client.post(
        f"/api/v1/plans/{slug}/polygons",
        data={"file": (io.BytesIO(data), name), "network": "UZ0001", **form},
        headers=bearer(token, **{"If-Match": etag, "X-Edit-Session": "up"}),
        content_type="multipart/form-data",
    )


def _post_in_thread(client, token, slug, name, data, wait_s: float = 60.0):
    """The upload in a thread: (response or None if still running after ``wait_s``)."""
    box: list = []
    worker = threading.Thread(target=lambda: box.append(_post(client, token, slug, name, data)), daemon=True)
    worker.start()
    worker.join(wait_s)
    return box[0] if box else None


def _idle_in_transaction(db_url: str) -> int:
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'idle in transaction' AND pid <> pg_backend_pid()"
        )
        return cur.fetchone()[0]


def _geopackage(tmp_path, recursive_view: bool = False, virtual: bool = False) -> bytes:
    import geopandas as gpd
    from shapely.geometry import Polygon

    path = tmp_path / "networks.gpkg"
    gpd.GeoDataFrame({"code": ["UZ0001"]}, geometry=[Polygon(SQUARE)], crs=4326).to_file(path, layer="networks")
    db = sqlite3.connect(path)
    if recursive_view:
        # the only layer becomes a view that never ends: every row of the table times 1, 2, 3, ... for ever
        db.executescript(
            """
            CREATE VIEW endless AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
                SELECT t.fid AS fid, t.geom AS geom, t.code AS code FROM networks t, n;
            UPDATE gpkg_contents SET table_name = 'endless' WHERE table_name = 'networks';
            UPDATE gpkg_geometry_columns SET table_name = 'endless' WHERE table_name = 'networks';
            """
        )
    if virtual:
        db.executescript("CREATE VIRTUAL TABLE notes USING fts5(body);")
    db.commit()
    db.close()
    return path.read_bytes()


def test_recursive_view_geopackage_is_refused_and_the_worker_stays_free(client, tokens, slug, secure_db, tmp_path):
    data = _geopackage(tmp_path, recursive_view=True)
    assert len(data) < 200_000
    resp = _post_in_thread(client, tokens["ed"], slug, "evil.gpkg", data)
    assert resp is not None, "the upload still runs: a worker thread is taken"
    assert resp.status_code == 400
    detail = resp.get_json()["detail"]
    assert "SQL view ('endless')" in detail and "Nothing was changed" in detail
    assert _idle_in_transaction(secure_db[0]) == 0
    # the uploader's next request is served at once
    assert client.get(f"/api/v1/plans/{slug}", headers=bearer(tokens["ed"])).status_code == 200


def test_virtual_table_geopackage_is_refused(client, tokens, slug, tmp_path):
    resp = _post(client, tokens["ed"], slug, "fts.gpkg", _geopackage(tmp_path, virtual=True))
    assert resp.status_code == 400 and "virtual table ('notes')" in resp.get_json()["detail"]


def test_plain_geopackage_with_spatial_index_still_reads(client, tokens, slug, tmp_path):
    resp = _post(client, tokens["ed"], slug, "plain.gpkg", _geopackage(tmp_path))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["file"]["format"] == "GeoPackage"


@pytest.fixture(scope="module")
def huge_shapefile(tmp_path_factory) -> bytes:
    """One self-intersecting polygon of 2,000,000 vertices (a many-pointed star), zipped Shapefile, EPSG:4326."""
    import numpy as np
    import pyogrio
    import shapely

    # a 1,000-point jagged ring walked 2,000 times round: 2,000,000 vertices, self-intersecting everywhere, and
    # (repeating exactly) a zip of a few MB, like the attack's 4.9 MB file
    t = np.linspace(0, 2 * math.pi, 1000, endpoint=False)
    r = 0.05 * (1 + 0.3 * np.sin(t * 37))
    x = np.tile(-1.25 + r * np.cos(t), 2000)
    y = np.tile(52.53 + r * np.sin(t), 2000)
    ring = np.column_stack([np.append(x, x[0]), np.append(y, y[0])])
    geom = shapely.polygons(ring)
    assert not geom.is_valid
    folder = tmp_path_factory.mktemp("huge")
    shp = folder / "huge.shp"
    pyogrio.write_dataframe(__import__("geopandas").GeoDataFrame({"code": ["UZ0001"]}, geometry=[geom], crs=4326), shp)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in folder.iterdir():
            zf.write(part, part.name)
    assert len(buf.getvalue()) < 20 * 1024 * 1024
    return buf.getvalue()


def test_two_million_vertex_polygon_is_refused_before_repair_with_bounded_memory(
    client,
    tokens,
    slug,
    huge_shapefile,
):
    before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    resp = _post_in_thread(client, tokens["ed"], slug, "huge.zip", huge_shapefile)
    assert resp is not None, "the upload still runs"
    assert resp.status_code == 400
    detail = resp.get_json()["detail"]
    assert "2,000,001 vertices; at most 250,000" in detail
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before_kb) / 1024
    assert grown_mb < 200, f"the worker's peak memory grew {grown_mb:.0f} MB"


def _geojson(coords) -> bytes:
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [coords]}}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def test_polygon_in_sydney_is_refused(client, tokens, slug):
    sydney = [(151.20, -33.87), (151.25, -33.87), (151.25, -33.82), (151.20, -33.82), (151.20, -33.87)]
    resp = _post(client, tokens["ed"], slug, "sydney.geojson", _geojson(sydney))
    assert resp.status_code == 400
    body = resp.get_json()
    assert "feature 1 lies outside the UK: point (151.2, -33.87)" in body["detail"] and body["feature"] == 1


def test_swapped_latitude_and_longitude_are_refused(client, tokens, slug):
    resp = _post(client, tokens["ed"], slug, "swapped.geojson", _geojson([(y, x) for x, y in SQUARE]))
    assert resp.status_code == 400 and "latitude and longitude look swapped" in resp.get_json()["detail"]
