"""Migration 0030 (dated facts) on a database filled under the old model: no data is lost; the old global
practice rows become facts of the extracts they came from, and the demo becomes the synthetic dataset."""

from __future__ import annotations

import psycopg2
import pytest

from geo_service.analysis import service
from geo_service.db.admin import create_database_if_missing, drop_database, with_database
from geo_service.db.migrate import migrate
from tests.conftest import db_name

OLD_DATA = """
INSERT INTO sources (id, kind, file_name, sha256, extract_date) VALUES
  (1, 'practices', 'epraccur.csv', 'a', '2019-12-01'),
  (2, 'list_sizes', 'gp-reg.csv', 'b', '2021-01-01'),
  (3, 'postcodes', 'codepoint.csv', 'c', '2020-10-01'),
  (4, 'boundaries', 'ccg.geojson', 'd', '2019-04-01'),
  (5, 'pcn', 'epcn.csv', 'e', '2019-12-04'),
  (6, 'demo', 'synthetic demo generator (seed 1)', NULL, '2024-10-01');
INSERT INTO boundary_sets (id, slug, name, level, vintage, source_id) VALUES
  (1, 'ccg-april-2019', 'CCG April 2019', 'ccg', '2019-04', 4),
  (2, 'demo-ccg', 'Synthetic demo CCGs (not real)', 'ccg', 'demo', 6);
INSERT INTO areas (boundary_set_id, ods_code, gss_code, name, geom) VALUES
  (1, '99J', 'E38000199', 'West Kent', ST_Multi(ST_MakeEnvelope(0.0, 51.0, 0.5, 51.4, 4326))),
  (2, 'ZA1', 'E38999901', 'Synthetic Northmere', ST_Multi(ST_MakeEnvelope(-3.0, 50.0, -2.5, 50.4, 4326)));
INSERT INTO practices (id, ods_code, name, postcode, location, commissioner_code, status, prescribing_setting,
                       list_size, list_size_date, source_id, list_size_source_id, location_source_id) VALUES
  (1, 'G82001', 'REAL SURGERY A', 'TN1 1AA', ST_SetSRID(ST_MakePoint(0.2, 51.2), 4326), '99J', 'active', 4,
   12000, '2021-01-01', 1, 2, 3),
  (2, 'G82002', 'REAL SURGERY B', 'TN2 2BB', ST_SetSRID(ST_MakePoint(0.3, 51.1), 4326), '99J', 'active', 4,
   9000, '2021-01-01', 1, 2, 3),
  (3, 'Z00001', 'Synthetic practice (demo)', 'ZZ1 1ZZ', ST_SetSRID(ST_MakePoint(-2.8, 50.2), 4326), 'ZA1',
   'active', 4, 31000, '2024-10-01', 6, 6, 6);
INSERT INTO scenarios (id, slug, name, source_id) VALUES
  (1, 'epcn-december-2019', 'ePCN December 2019', 5), (2, 'demo-as-registered', 'Synthetic demo', 6);
INSERT INTO networks (id, scenario_id, code, name, lead_commissioner_code, source_id) VALUES
  (1, 1, 'U00001', 'REAL PCN', '99J', 5), (2, 2, 'UZ0001', 'Synthetic PCN (demo)', 'ZA1', 6);
INSERT INTO memberships (scenario_id, network_id, practice_id, start_date, source_id) VALUES
  (1, 1, 1, '2019-07-01', 5), (2, 2, 3, '2019-07-01', 6);
"""


@pytest.fixture
def old_db(maintenance_url):
    name = db_name("migrate_0030")
    drop_database(maintenance_url, name)
    create_database_if_missing(maintenance_url, name)
    url = with_database(maintenance_url, name)
    migrate(url, up_to=20)
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute(OLD_DATA)
    conn.close()
    yield url
    drop_database(maintenance_url, name)


def _rows(url: str, query: str) -> list[tuple]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchall()
    finally:
        conn.close()


def test_old_rows_become_facts_of_their_extracts(old_db):
    applied = migrate(old_db)
    assert applied[:2] == ["0030_dated_facts", "0031_scope_state"]  # later migrations follow in order
    assert applied == sorted(applied)
    register = _rows(
        old_db,
        "SELECT p.ods_code, r.extract_id, r.name, r.status, r.commissioner_code, r.nation FROM practice_register r"
        " JOIN practices p ON p.id = r.practice_id ORDER BY 1",
    )
    assert register == [
        ("G82001", 1, "REAL SURGERY A", "active", "99J", "england"),
        ("G82002", 1, "REAL SURGERY B", "active", "99J", "england"),
        ("Z00001", 6, "Synthetic practice (demo)", "active", "ZA1", "england"),
    ]
    sizes = _rows(
        old_db,
        "SELECT p.ods_code, s.extract_id, s.list_size, s.list_size_date::text FROM practice_list_sizes s"
        " JOIN practices p ON p.id = s.practice_id ORDER BY 1",
    )
    assert sizes == [
        ("G82001", 2, 12000, "2021-01-01"),
        ("G82002", 2, 9000, "2021-01-01"),
        ("Z00001", 6, 31000, "2024-10-01"),
    ]
    points = _rows(old_db, "SELECT extract_id, postcode_key FROM postcode_points ORDER BY 2")
    assert points == [(3, "TN11AA"), (3, "TN22BB"), (6, "ZZ11ZZ")]
    assert _rows(old_db, "SELECT slug, dataset, as_of::text FROM scenarios ORDER BY id") == [
        ("epcn-december-2019", "real", "2019-12-04"),
        ("demo-as-registered", "synthetic", "2024-10-01"),
    ]
    assert _rows(old_db, "SELECT slug, dataset, valid_from::text FROM boundary_sets ORDER BY id") == [
        ("ccg-april-2019", "real", "2019-04-01"),
        ("demo-ccg", "synthetic", "2024-10-01"),
    ]
    assert _rows(old_db, "SELECT count(*) FROM point_areas") == [(3,)]


def test_migrated_scenarios_are_judged_in_their_own_dataset(old_db):
    migrate(old_db)
    conn = psycopg2.connect(old_db)
    try:
        real = service.run_checks(conn, "epcn-december-2019", None)
        assert real["boundary_set"]["slug"] == "ccg-april-2019"
        assert {r["code"] for r in real["items"]["orphaned_practices"]} == {"G82002"}
        assert real["summary"]["practices"] == 2
        demo = service.run_checks(conn, "demo-as-registered", None)
        assert demo["boundary_set"]["slug"] == "demo-ccg"
        assert demo["summary"]["practices"] == 1 and demo["summary"]["orphaned_practices"] == 0
    finally:
        conn.close()


def test_migrated_scenarios_have_their_state_kept(old_db):
    migrate(old_db)
    assert _rows(
        old_db,
        "SELECT c.slug, count(*) FROM scenario_practice_state s JOIN scenarios c ON c.id = s.scenario_id"
        " GROUP BY c.slug ORDER BY 1",
    ) == [("demo-as-registered", 1), ("epcn-december-2019", 2)]
