"""An import refreshes the kept scenario state once, at its end, instead of after each of its statements
(geo_service/ingest/transaction.py defer_kept_state; schema/functions/kept_state_defer|flush.sql): what it leaves is
what a full rebuild gives, edits outside an import still refresh at once, and a failed block leaves no deferral
behind."""

from __future__ import annotations

import psycopg2
import pytest
from psycopg2 import sql

from geo_service.ingest.bundle import import_bundle
from geo_service.ingest.transaction import defer_kept_state
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
    conn = psycopg2.connect(fresh_demo_db_url)
    yield conn
    conn.rollback()
    conn.close()


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


def test_a_bundle_leaves_the_kept_state_a_full_rebuild_gives(fresh_db_url):
    conn = psycopg2.connect(fresh_db_url)
    try:
        import_bundle(conn, DATA / "bundle.toml")  # the caller's transaction, still open
        with conn.cursor() as cur:
            assert not _deferred(cur)
            kept = _kept(cur)
            assert kept["scenario_members"][0] > 0 and kept["scenario_network_facts"][0] > 0
            assert kept == _rebuilt(cur)
    finally:
        conn.rollback()
        conn.close()


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
