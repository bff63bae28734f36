"""Exports carry the networks' profile columns (issue 25), read back by GDAL (pyogrio), equal to the profiles."""

from __future__ import annotations

import pyogrio
import pytest

from geo_service.analysis import profiles
from geo_service.db.pool import Database
from geo_service.exports import service
from geo_service.scope import resolve_scope

pytestmark = pytest.mark.real_data


def test_gpkg_networks_layer_has_profile_columns(england_2019_db_url, tmp_path):
    db = Database(england_2019_db_url, statement_timeout_ms=0)
    try:
        with db.connection() as conn:
            result = service.export_vector(conn, "epcn-december-2019", "gpkg", crs="27700")
            scope = resolve_scope(conn, "epcn-december-2019")
            expected = {p["code"]: p for p in profiles.network_profiles(conn, scope)}
        path = str(result.move_to(tmp_path / "n.gpkg"))
    finally:
        db.close()
    df = pyogrio.read_dataframe(path, layer="networks").set_index("code")
    for column in ("registered", "weighted", "wtd_ratio", "imd_score", "imd_decile", "share_65", "pay_per_wt"):
        assert column in df.columns, column
    checked = 0
    for code, p in expected.items():
        if p["weighted_patients"] is None:
            continue
        assert df.loc[code, "weighted"] == pytest.approx(p["weighted_patients"]), code
        assert df.loc[code, "imd_score"] == pytest.approx(p["deprivation"]), code
        checked += 1
    assert checked > 1200
    assert (
        df["src_pay"].iloc[0].startswith("NHS Payments to General Practice: nhs-payments-to-general-practice_2019-20")
    )
    assert "practice_imd2019_fingertips_93553.csv" in df["src_imd"].iloc[0]
