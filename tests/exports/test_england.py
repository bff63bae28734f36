"""England-wide GeoPackage export of the real 2019/20 data (skips until the real-data fixture is available)."""

from __future__ import annotations

import subprocess

import psycopg2
import pyogrio
import pytest
from shapely.geometry import Point

from geo_service.crs import to_bng
from geo_service.db.pool import Database
from geo_service.exports import service

pytestmark = pytest.mark.real_data

SCENARIO = "epcn-december-2019"
BOUNDARY_SET = "ccg-april-2019"


def _one(url: str, query: str, params: dict | None = None):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(query, params or {})
        return cur.fetchone()


def test_england_geopackage(england_2019_db_url, tmp_path):
    url = england_2019_db_url
    sid = _one(url, "SELECT id FROM scenarios WHERE slug = %(s)s", {"s": SCENARIO})[0]
    want = {
        "networks": _one(url, "SELECT count(*) FROM networks WHERE scenario_id = %(s)s", {"s": sid})[0],
        "areas": _one(
            url,
            "SELECT count(*) FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id WHERE b.slug = %(b)s",
            {"b": BOUNDARY_SET},
        )[0],
        "practices": _one(
            url,
            "SELECT count(*) FROM practices p WHERE p.status = 'active' OR p.id IN (SELECT m.practice_id"
            " FROM memberships m WHERE m.scenario_id = %(s)s AND (m.end_date IS NULL OR m.end_date >= current_date))",
            {"s": sid},
        )[0],
        "memberships": _one(url, "SELECT count(*) FROM memberships WHERE scenario_id = %(s)s", {"s": sid})[0],
    }
    assert want["networks"] > 1000 and want["areas"] == 191

    db = Database(url, statement_timeout_ms=0)
    try:
        with db.connection() as conn:
            result = service.export_vector(conn, SCENARIO, "gpkg", boundary_set=BOUNDARY_SET, crs="27700")
        out = result.move_to(tmp_path / "england.gpkg")
    finally:
        db.close()

    for layer, count in want.items():
        info = pyogrio.read_info(str(out), layer=layer)
        assert info["features"] == count, layer
        if layer != "memberships":
            assert info["crs"] == "EPSG:27700"
    assert {"orphaned", "findings"} <= set(pyogrio.read_info(str(out), layer="practices")["fields"])
    assert {"cross_boundary_administrative", "population"} <= set(
        pyogrio.read_info(str(out), layer="networks")["fields"]
    )

    code, lon, lat = _one(
        url,
        "SELECT ods_code, ST_X(location), ST_Y(location) FROM practices"
        " WHERE status = 'active' AND location IS NOT NULL ORDER BY ods_code LIMIT 1",
    )
    practices = pyogrio.read_dataframe(str(out), layer="practices").set_index("ods_code")
    assert practices.geometry[code].distance(Point(*to_bng(lon, lat))) < 1.0

    text = subprocess.run(["ogrinfo", "-so", "-ro", str(out), "networks"], capture_output=True, text=True).stdout
    assert f"Feature Count: {want['networks']}" in text
