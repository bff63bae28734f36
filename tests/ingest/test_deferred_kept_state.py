"""An import refreshes the kept scenario state once, at its end, instead of after each of its statements
(geo_service/ingest/transaction.py defer_kept_state; schema/functions/kept_state_defer|flush.sql): what it leaves is
what a full rebuild gives, edits outside an import still refresh at once, and a failed block leaves no deferral
behind."""

from __future__ import annotations

import psycopg2
import pytest
from psycopg2 import sql

from geo_service.db.repositories import imports_staging
from geo_service.demo.load import load_demo
from geo_service.ingest.bundle import import_bundle
from geo_service.ingest.transaction import defer_kept_state
from tests.conftest import rolled_back_connection
from tests.ingest.conftest import DATA

# The kept state of every scenario (schema/functions/refresh_scenario_state.sql writes all of them).
KEPT = (
    "scenario_states",
    "scenario_practice_state",
    "scenario_members",
    "scenario_network_facts",
    "scenario_member_nearest",
)


def _kept(cur) -> dict[str, tuple]:
    out = {}
    for table in KEPT:
        query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {} x")
        cur.execute(query.format(sql.Identifier(table)))
        out[table] = cur.fetchone()
    return out


def _rebuilt(cur) -> dict[str, tuple]:
    """The kept state rebuilt whole from the facts, in a savepoint that is rolled back."""
    cur.execute("SAVEPOINT rebuild")
    cur.execute("SELECT refresh_scenario_state(array_agg(id)) FROM scenarios")
    out = _kept(cur)
    cur.execute("ROLLBACK TO SAVEPOINT rebuild")
    return out


def _deferred(cur) -> bool:
    cur.execute("SELECT kept_state_deferred()")
    return cur.fetchone()[0]


def _list_size(cur, scenario: str, ods: str) -> int:
    cur.execute(
        "SELECT ps.list_size FROM scenario_practice_state ps JOIN scenarios s ON s.id = ps.scenario_id"
        " WHERE s.slug = %(s)s AND ps.ods_code = %(o)s",
        {"s": scenario, "o": ods},
    )
    return cur.fetchone()[0]


@pytest.fixture
def demo_conn(fresh_demo_db_url):
    with rolled_back_connection(fresh_demo_db_url) as conn:
        yield conn


def _member(cur) -> tuple[str, str, int]:
    """A kept member with a list size: its scenario slug, ODS code and list size."""
    cur.execute(
        "SELECT s.slug, sm.ods_code, sm.list_size FROM scenario_members sm JOIN scenarios s ON s.id = sm.scenario_id"
        " WHERE sm.list_size IS NOT NULL ORDER BY s.slug, sm.ods_code LIMIT 1"
    )
    return cur.fetchone()


def _grow(cur, ods: str, by: int) -> None:
    cur.execute(
        "UPDATE practice_list_sizes l SET list_size = l.list_size + %(by)s FROM practices p"
        " WHERE p.id = l.practice_id AND p.ods_code = %(o)s",
        {"by": by, "o": ods},
    )


def _assert_nothing_deferred_and_kept_is_rebuilt(conn) -> None:
    with conn.cursor() as cur:
        assert not _deferred(cur)
        kept = _kept(cur)
        assert kept["scenario_members"][0] > 0 and kept["scenario_network_facts"][0] > 0
        assert kept == _rebuilt(cur)


def test_a_bundle_leaves_the_kept_state_a_full_rebuild_gives(fresh_db_url):
    with rolled_back_connection(fresh_db_url) as conn:
        import_bundle(conn, DATA / "bundle.toml")  # the caller's transaction, still open
        _assert_nothing_deferred_and_kept_is_rebuilt(conn)


def test_inside_an_import_the_triggers_note_stale_scenarios_and_the_end_refreshes_them(demo_conn):
    with demo_conn.cursor() as cur:
        scenario, ods, size = _member(cur)
        with defer_kept_state(demo_conn):
            assert _deferred(cur)
            _grow(cur, ods, 7)
            _grow(cur, ods, 5)
            assert _list_size(cur, scenario, ods) == size  # not refreshed per statement
            cur.execute("SELECT current_setting('geo_service.kept_pending_state', true)")
            assert cur.fetchone()[0] not in (None, "", "{}")
        assert not _deferred(cur)
        assert _list_size(cur, scenario, ods) == size + 12
        assert _kept(cur) == _rebuilt(cur)


def test_an_enclosing_import_refreshes_once_for_its_inner_imports(demo_conn):
    with demo_conn.cursor() as cur:
        scenario, ods, size = _member(cur)
        with defer_kept_state(demo_conn):
            with defer_kept_state(demo_conn):  # a bundle's step
                _grow(cur, ods, 3)
            assert _deferred(cur)  # the step leaves the refresh to the bundle
            assert _list_size(cur, scenario, ods) == size
        assert _list_size(cur, scenario, ods) == size + 3
        assert _kept(cur) == _rebuilt(cur)


def test_edits_outside_an_import_refresh_at_once(demo_conn):
    with demo_conn.cursor() as cur:
        scenario, ods, size = _member(cur)
        assert not _deferred(cur)
        _grow(cur, ods, 4)
        assert _list_size(cur, scenario, ods) == size + 4


def test_a_block_that_raises_refreshes_what_it_wrote_and_stops_deferring(demo_conn):
    with demo_conn.cursor() as cur:
        scenario, ods, size = _member(cur)
        with pytest.raises(ValueError, match="refused midway"):
            with defer_kept_state(demo_conn):
                _grow(cur, ods, 9)
                raise ValueError("refused midway")
        assert not _deferred(cur)  # a caller that goes on edits with the triggers refreshing
        assert _list_size(cur, scenario, ods) == size + 9
        _grow(cur, ods, 1)
        assert _list_size(cur, scenario, ods) == size + 10


def test_a_rolled_back_import_leaves_no_deferral(demo_conn):
    with demo_conn.cursor() as cur:
        scenario, ods, size = _member(cur)
        with defer_kept_state(demo_conn):
            _grow(cur, ods, 2)
            demo_conn.rollback()  # the transaction ends: its settings go with it
            assert not _deferred(cur)
            _grow(cur, ods, 6)
            assert _list_size(cur, scenario, ods) == size + 6


def test_the_demo_load_refreshes_the_kept_state_once_and_leaves_what_a_full_rebuild_gives(fresh_db, fresh_db_url):
    load_demo(fresh_db)  # its own transaction, committed
    with rolled_back_connection(fresh_db_url) as conn:
        _assert_nothing_deferred_and_kept_is_rebuilt(conn)


def test_a_new_scenarios_partitions_carry_statistics_when_its_import_ends(fresh_db_url):
    """An import is one transaction, which autovacuum never sees, and the kept state's statements read the partitions
    the ones before them filled: each is analysed once filled (schema/functions/analyze_scenario_partitions.sql).
    A partition never analysed has reltuples -1; an analysed one with rows has column statistics."""
    conn = psycopg2.connect(fresh_db_url)
    try:
        import_bundle(conn, DATA / "bundle.toml")  # the caller's transaction, still open
        with conn.cursor() as cur:
            cur.execute(
                "SELECT c.relname, c.reltuples,"
                " (SELECT count(*) FROM pg_stats s WHERE s.schemaname = 'public' AND s.tablename = c.relname)"
                " FROM scenarios sc"
                " CROSS JOIN unnest(ARRAY['scenario_practice_state', 'scenario_members', 'scenario_network_facts',"
                "                         'scenario_member_nearest']) t"
                " JOIN pg_class c ON c.relname = t || '_' || sc.id ORDER BY 1"
            )
            rows = cur.fetchall()
            assert rows and len(rows) % 4 == 0
            assert all(tuples >= 0 for _, tuples, _ in rows), rows
            assert all(columns > 0 for _, tuples, columns in rows if tuples > 0), rows
            assert any(tuples > 0 for name, tuples, _ in rows if name.startswith("scenario_members_")), rows
    finally:
        conn.rollback()
        conn.close()


def _add_points(cur, n: int, first: int = 1) -> None:
    """``n`` postcode points inside the demo's own points' extent (the triggers file each under its areas)."""
    cur.execute(
        "INSERT INTO postcode_points (extract_id, postcode_key, geom)"
        " SELECT e.extract_id, 'ZZ' || i, ST_SetSRID(ST_MakePoint(e.x0 + (e.x1 - e.x0) * (i %% 97) / 97.0,"
        "                                                      e.y0 + (e.y1 - e.y0) * (i %% 89) / 89.0), 4326)"
        " FROM (SELECT min(extract_id) AS extract_id, min(ST_X(geom)) AS x0, max(ST_X(geom)) AS x1,"
        "              min(ST_Y(geom)) AS y0, max(ST_Y(geom)) AS y1 FROM postcode_points) e,"
        " generate_series(%(first)s, %(first)s + %(n)s - 1) i",
        {"n": n, "first": first},
    )


def _estimates(cur, *tables: str) -> dict[str, tuple[float, int]]:
    out = {}
    for table in tables:
        cur.execute("SELECT reltuples FROM pg_class WHERE oid = %(t)s::regclass", {"t": table})
        estimate = cur.fetchone()[0]
        cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
        out[table] = (estimate, cur.fetchone()[0])
    return out


def test_the_tables_an_import_changed_carry_statistics_for_what_it_wrote(demo_conn):
    """The derived tables (point_areas, network_overlaps, area_gaps…) are filled by triggers during an import, and
    autovacuum analyses them only a minute or more after it commits: until then the planner sees them as they were
    before it (after the England bundles the location table was still estimated at the demo's 62 rows, and a
    compare of two scenarios in one area took 14.5 s instead of 0.4 s). The import's end analyses every table it
    changed in bulk (imports_staging.refresh_changed_statistics)."""
    with demo_conn.cursor() as cur:
        before = _estimates(cur, "postcode_points", "point_areas")
        assert all(estimate < 100 for estimate, _ in before.values()), before
        with defer_kept_state(demo_conn):
            _add_points(cur, 2000)
        after = _estimates(cur, "postcode_points", "point_areas")
    assert all(rows > 1000 for _, rows in after.values()), after
    assert all(rows / 2 <= estimate <= rows * 2 for estimate, rows in after.values()), after


def test_a_small_change_is_left_to_autovacuum(demo_conn):
    """Only changes in bulk (more than 1,000 rows and a tenth of the table) are analysed at the import's end: an
    upload of a few rows costs no ANALYZE. (A transaction's changes add up, so this is a transaction of its own.)"""
    with demo_conn.cursor() as cur:
        cur.execute("ANALYZE postcode_points")
        _add_points(cur, 40)
        assert "postcode_points" not in imports_staging.refresh_changed_statistics(demo_conn)
        _add_points(cur, 1000, first=100)
        assert "postcode_points" in imports_staging.refresh_changed_statistics(demo_conn)


def test_analysing_partitions_names_only_kept_state_tables(demo_conn):
    with demo_conn.cursor() as cur:
        with pytest.raises(psycopg2.errors.RaiseException, match="practices is not a kept state table"):
            cur.execute("SELECT analyze_scenario_partitions(ARRAY(SELECT id FROM scenarios), ARRAY['practices'])")


def test_refreshing_some_points_areas_rebuilds_exactly_their_rows(demo_conn):
    """analysis_refresh_point_areas looks the given points up by hash (schema/functions): the rows of those points
    come back as they were, and no other point's rows are touched."""
    with demo_conn.cursor() as cur:
        rows = "SELECT point_id, boundary_set_id, area_id, nearest_m FROM point_areas ORDER BY 1, 2, 3"
        cur.execute(rows)
        before = cur.fetchall()
        cur.execute("SELECT array_agg(DISTINCT point_id ORDER BY point_id) FROM point_areas")
        points = cur.fetchone()[0]
        some = points[::3]
        assert len(before) > len(some) > 2
        cur.execute("DELETE FROM point_areas WHERE point_id = ANY (%(p)s)", {"p": some})
        cur.execute("SELECT analysis_refresh_point_areas(%(p)s, NULL)", {"p": some})
        cur.execute(rows)
        assert cur.fetchall() == before
        cur.execute("SELECT analysis_refresh_point_areas(%(p)s, NULL)", {"p": []})  # none: nothing changes
        cur.execute(rows)
        assert cur.fetchall() == before
