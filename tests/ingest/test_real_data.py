"""Acceptance on the real England files (../shared/data/real): the issue's numbers, no-op re-runs."""

from __future__ import annotations

import psycopg2
import pytest

from geo_service.config import PROJECT_ROOT
from geo_service.ingest.bundle import import_bundle

pytestmark = pytest.mark.real_data

MANIFESTS = PROJECT_ROOT / "data" / "manifests"


def _one(url, query, params=None):
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(query, params or {})
            return cur.fetchone()
    finally:
        conn.close()


def test_england_2019_acceptance_numbers(england_2019_db_url):
    url = england_2019_db_url
    active_gp = "SELECT count(*) FROM practices WHERE status = 'active' AND prescribing_setting = 4"
    assert _one(url, active_gp)[0] == 6830
    assert _one(url, active_gp + " AND location IS NOT NULL")[0] == 6825
    assert (
        _one(
            url,
            "SELECT count(*) FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id"
            " WHERE b.slug = 'ccg-april-2019'",
        )[0]
        == 191
    )
    assert (
        _one(
            url,
            "SELECT count(*) FROM networks n JOIN scenarios s ON s.id = n.scenario_id"
            " WHERE s.slug = 'epcn-december-2019'",
        )[0]
        == 1250
    )
    assert _one(url, "SELECT count(*) FROM memberships")[0] == 6757
    # Both code systems on every area; every active practice's commissioner is one of them.
    assert _one(url, "SELECT count(*) FROM areas WHERE ods_code IS NULL OR gss_code IS NULL")[0] == 0
    assert (
        _one(
            url,
            "SELECT count(*) FROM practices p WHERE status = 'active' AND prescribing_setting = 4 AND NOT EXISTS "
            "(SELECT 1 FROM areas a WHERE a.ods_code = p.commissioner_code)",
        )[0]
        == 0
    )
    # Kent: G82063 (09E) sits in DEAL & SANDWICH PCN (10A).
    assert _one(
        url,
        "SELECT n.name, n.lead_commissioner_code, p.commissioner_code FROM memberships m"
        " JOIN networks n ON n.id = m.network_id JOIN practices p ON p.id = m.practice_id"
        " WHERE p.ods_code = 'G82063'",
    ) == ("DEAL & SANDWICH PCN", "10A", "09E")
    assert (
        _one(url, "SELECT count(*) FROM practices WHERE list_size IS NOT NULL AND list_size_date = '2021-01-01'")[0]
        == 6638
    )
    assert _one(url, "SELECT count(*) FROM networks WHERE geom IS NOT NULL")[0] == 1245
    assert _one(url, "SELECT count(*) FROM sources WHERE kind = 'list_sizes' AND extract_date = '2021-01-01'")[0] == 1
    # Provenance: every practice knows its file and extract date.
    assert _one(
        url,
        "SELECT DISTINCT s.file_name, s.extract_date::text FROM practices p JOIN sources s ON s.id = p.source_id"
        " WHERE p.prescribing_setting = 4",
    ) == ("epraccur_2019-12.csv.gz", "2019-12-01")


def test_england_2019_rerun_is_a_no_op(england_2019_db_url, real_data):
    """Run the whole bundle again inside a transaction that is rolled back (the DB is shared)."""
    conn = psycopg2.connect(england_2019_db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version FROM data_version")
            (before,) = cur.fetchone()
        reports = import_bundle(conn, MANIFESTS / "england_2019-20.toml", root=real_data)
        for r in reports:
            assert (r.added, r.updated, r.closed) == (0, 0, 0), r.summary()
            assert not r.changed, r.summary()
        with conn.cursor() as cur:
            cur.execute("SELECT version FROM data_version")
            assert cur.fetchone()[0] == before
    finally:
        conn.rollback()
        conn.close()


def test_england_2022_bundle(england_2022_db_url):
    url = england_2022_db_url
    english = (
        "SELECT count(*) FROM practices p WHERE status = 'active' AND prescribing_setting = 4 AND EXISTS "
        "(SELECT 1 FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id"
        " WHERE b.slug = 'ccg-april-2021' AND a.ods_code = p.commissioner_code)"
    )
    assert _one(url, english)[0] == 6539
    assert (
        _one(
            url,
            "SELECT count(*) FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id"
            " WHERE b.slug = 'ccg-april-2021'",
        )[0]
        == 106
    )
    assert (
        _one(
            url,
            "SELECT count(*) FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id"
            " WHERE b.slug = 'sub-icb-locations-july-2022'",
        )[0]
        == 106
    )
    assert (
        _one(
            url,
            "SELECT count(*) FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id"
            " WHERE b.slug = 'icb-july-2022'",
        )[0]
        == 42
    )
    # Welsh practices are kept, with no area of any boundary set.
    welsh = "FROM practices WHERE status = 'active' AND prescribing_setting = 4 AND commissioner_code LIKE '7A%%'"
    assert _one(url, "SELECT count(*) " + welsh)[0] == 405
    assert _one(url, "SELECT count(*) FROM areas WHERE ods_code LIKE '7A%%'")[0] == 0
    assert _one(url, "SELECT count(*) FROM practices WHERE status = 'active' AND prescribing_setting = 4")[0] == 6944
    # ePCN April 2022: 6,474 current memberships (885 ended).
    assert _one(url, "SELECT count(*) FROM memberships WHERE end_date IS NULL OR end_date >= current_date")[0] == 6474
    assert _one(url, "SELECT count(*) FROM memberships")[0] == 7359
