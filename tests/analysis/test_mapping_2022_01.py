"""The January 2022 practice → PCN file (gp-reg-pat-prac-map), loaded on top of 2021/22 in a transaction that
is rolled back: its "U / Unallocated" practices are orphans, and every headline count equals the raw-file
oracle's (its own date logic: the Mar 2022 register is 59 days away, near enough to say which practices exist)."""

from __future__ import annotations

import psycopg2
import pytest

from geo_service.analysis import service
from geo_service.config import PROJECT_ROOT
from tests.analysis.test_dated_facts import _engine_sets
from tests.oracle_raw import compute

pytestmark = pytest.mark.real_data

MANIFEST = PROJECT_ROOT / "data" / "manifests" / "england_2022-01.toml"


def test_january_2022_mapping_equals_the_raw_file_calculation(england_2022_writable_db_url, real_data):
    from geo_service.ingest.bundle import import_bundle

    conn = psycopg2.connect(england_2022_writable_db_url)
    try:
        before = service.run_checks(conn, "epcn-april-2022", None)["summary"]
        import_bundle(conn, MANIFEST, root=real_data)
        result = service.run_checks(conn, "pcn-mapping-january-2022", None)
        # Loading another dated file changes nothing for the April 2022 scenario.
        assert service.run_checks(conn, "epcn-april-2022", None)["summary"] == before
    finally:
        conn.rollback()
        conn.close()
    oracle = compute("2022-01", real_data)
    assert result["scope"]["as_of"] == "2022-01-01"
    assert result["scope"]["practices_from"]["source"] == "register"
    assert result["boundary_set"]["slug"] == "ccg-april-2021"
    for key, found in _engine_sets(result).items():
        assert found == oracle[key], key
    s = result["summary"]
    assert s["networks"] == len(oracle["networks"]) == 1254  # no "U" network
    assert s["orphaned_practices"] == 93
    assert s["median_population"] == pytest.approx(oracle["median_population"])
