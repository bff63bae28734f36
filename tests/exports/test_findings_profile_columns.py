"""Issue 25: the findings browser's CSV, GeoPackage and GeoJSON downloads carry the subjects' profile columns
(deprivation, share aged 65+, weighted patients, extended-hours coverage), read back by GDAL and equal to the
networks' and practices' profiles; the page's table shows them."""

from __future__ import annotations

import io
import json

import psycopg2
import pyogrio
import pytest

from geo_service.analysis import profiles
from geo_service.scope import resolve_scope
from tests.conftest import make_app

pytestmark = pytest.mark.real_data

SCENARIO = "epcn-december-2019"
COLUMNS = ("deprivation", "share_aged_65_plus", "weighted_patients", "extended_hours_paid_share")


@pytest.fixture(scope="module")
def client(england_2019_db_url):
    app = make_app(england_2019_db_url)
    yield app.test_client()
    app.extensions["geo_db"].close()


@pytest.fixture(scope="module")
def expected(england_2019_db_url):
    conn = psycopg2.connect(england_2019_db_url)
    try:
        scope = resolve_scope(conn, SCENARIO)
        nets = {("network", p["code"]): p for p in profiles.network_profiles(conn, scope)}
        pracs = {("practice", c): p for c, p in profiles.practice_values(conn, scope).items()}
    finally:
        conn.close()
    return {**nets, **pracs}


def _check(frame, expected, subject_col="subject"):
    compared = 0
    for _, row in frame.iterrows():
        want = expected.get((row[subject_col], row["code"]))
        for col in COLUMNS:
            got = row[col]
            value = want.get(col) if want else None
            if value is None:
                assert got is None or got != got or got == "", (row["code"], col, got)
            else:
                assert float(got) == pytest.approx(value, rel=1e-6, abs=1e-6), (row["code"], col)
                compared += 1
    return compared


@pytest.mark.parametrize("rule", ["size_band", "orphaned_practices"])
def test_downloads_carry_the_profile_columns(client, expected, rule, tmp_path):
    base = f"/api/v1/scenarios/{SCENARIO}/findings"
    got = {}
    for kind in ("csv", "gpkg", "geojson"):
        res = client.get(f"{base}.{kind}?rule={rule}")
        assert res.status_code == 200, res.get_data(as_text=True)[:300]
        path = tmp_path / f"{rule}.{kind}"
        path.write_bytes(res.get_data())
        got[kind] = path
    csv_frame = pyogrio.read_dataframe(got["csv"])
    for col in COLUMNS:
        assert col in csv_frame.columns
    assert _check(csv_frame, expected) > 0
    gpkg = pyogrio.read_dataframe(got["gpkg"], layer="findings")
    for col in COLUMNS:
        assert col in gpkg.columns
    assert _check(gpkg, expected) > 0
    info = pyogrio.read_info(got["gpkg"], layer="findings")
    assert set(COLUMNS) <= set(info["fields"])
    body = json.loads(got["geojson"].read_text())
    if body["features"]:
        gj = pyogrio.read_dataframe(io.BytesIO(got["geojson"].read_bytes()))
        for col in COLUMNS:
            assert col in gj.columns
        assert _check(gj, expected) > 0


def test_findings_table_shows_profile_columns(client):
    page = client.get(f"/maps/{SCENARIO}/findings?rule=size_band").get_data(as_text=True)
    for col in COLUMNS:
        assert f'<th scope="col" class="nhsuk-table__header--numeric" data-profile="{col}">' in page
    assert 'data-profile="deprivation">' in page
    sorted_page = client.get(f"/maps/{SCENARIO}/findings?rule=size_band&sort=-deprivation")
    assert sorted_page.status_code == 200
