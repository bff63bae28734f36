"""The OGC networks collection carries the network profiles (issue 25): GDAL's OAPIF driver reads them back, equal
to the profiles the service works out."""

from __future__ import annotations

import psycopg2
import pytest

from geo_service.analysis import profiles
from geo_service.scope import resolve_scope
from tests.ogc.test_gdal_clients import SCENARIO, _ogr2ogr_geojson

pytestmark = pytest.mark.real_data


def test_oapif_networks_have_profile_properties(real_ogc, tmp_path):
    read = _ogr2ogr_geojson(
        tmp_path, "profiles", f"OAPIF:{real_ogc.url}/ogc", f"{SCENARIO}-networks", "-oo", "PAGE_SIZE=2000"
    )
    conn = psycopg2.connect(real_ogc.db_url)
    try:
        expected = {p["code"]: p for p in profiles.network_profiles(conn, resolve_scope(conn, SCENARIO))}
    finally:
        conn.close()
    assert len(read) == len(expected) > 1200
    checked = 0
    for f in read:
        props = f["properties"]
        p = expected[props["code"]]
        for key in ("weighted_patients", "deprivation", "share_aged_65_plus", "deprivation_decile", "weighted_ratio"):
            if p[key] is None:
                assert props.get(key) is None, (props["code"], key)
            else:
                assert props[key] == pytest.approx(p[key]), (props["code"], key)
        checked += p["weighted_patients"] is not None
    assert checked > 1200
    assert "nhs-payments-to-general-practice_2019-20.csv" in read[0]["properties"]["profile_sources"]
