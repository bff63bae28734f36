"""Kept per-network facts and nearest-member distances (issue 19: the summary computed in at most 30 ms).

``scenario_network_facts`` (the checks' ``population`` CTE per network) and ``scenario_member_nearest`` (each
located member's distance to the nearest other located member of its network) are kept per scenario by the SQL
function ``refresh_scenario_network_facts``, where ``scenario_members`` is kept. Here:

- on the demo and on the database with every bundle, imported in both orders, the summary over the kept facts
  equals the summary computed live, for every rule and scenario, and the kept ``population`` rows equal the live
  ones; the outlying members counted from kept distances equal the live rule's at several distances;
- after plan edits (moving a practice, merging and splitting networks, changing list-size facts) the rows kept
  incrementally equal a full rebuild, and kept still equals live;
- an ``as_of`` override or non-default parameters compute live.
"""

from __future__ import annotations

import psycopg2
import pytest
from psycopg2 import sql

from geo_service.analysis import rules, service
from geo_service.db.repositories import analysis_checks

REAL = ("epcn-december-2019", "qof-pcn-mapping-2020-21", "epcn-april-2022")
DEMO = ("demo-as-registered", "demo-commissioner-proposal")
FACTS_ORDER = {
    "scenario_network_facts": "scenario_id, network_id",
    "scenario_member_nearest": "scenario_id, membership_id",
}


def _values(conn, slug: str, params: dict | None = None, **scope_kw) -> dict:
    scope = service.resolve_scope(conn, slug, None, **scope_kw)
    return service.check_values(scope, params)[0]


def _summary(conn, values: dict, kept: tuple[bool, bool]) -> dict:
    return analysis_checks.summary_counts(conn, values, rules.summary_queries(kept=kept[1]), kept=kept)


def _population(conn, values: dict, kept: tuple[bool, bool]) -> list[tuple]:
    query = sql.SQL("WITH {ctes} SELECT * FROM population ORDER BY network_id").format(
        ctes=analysis_checks._ctes(conn, values, kept)
    )
    with conn.cursor() as cur:
        cur.execute(query, values)
        return cur.fetchall()


def _outlying_live(conn, values: dict, km: float) -> set[tuple[str, str]]:
    rule = rules.BY_KEY["outlying_members"]
    raw = analysis_checks.items(conn, {**values, "outlier_km": km}, rule.queries)
    return {(r["code"], r["network_code"]) for r in raw["outlying_members"]}


def _outlying_kept(conn, values: dict, km: float) -> set[tuple[str, str]]:
    query = sql.SQL("WITH {ctes} {q}").format(
        ctes=analysis_checks._ctes(conn, values, (True, True)),
        q=sql.SQL(rules.BY_KEY["outlying_members"].kept_count_queries["outlying_count"]),
    )
    with conn.cursor() as cur:
        cur.execute(query, {**values, "outlier_km": km})
        return {tuple(r) for r in cur.fetchall()}


def _plan(conn, values: dict, kept: tuple[bool, bool]) -> str:
    parts = analysis_checks._summary_parts(rules.summary_queries(kept=kept[1]))
    query = sql.SQL("EXPLAIN (COSTS OFF) WITH {ctes} SELECT json_build_array({parts})::text").format(
        ctes=analysis_checks._ctes(conn, values, kept), parts=sql.SQL(", ").join(parts)
    )
    with conn.cursor() as cur:
        cur.execute(query, values)
        return "\n".join(r[0] for r in cur.fetchall())


def assert_kept_equals_live(conn, slug: str, kms=(10,)) -> None:
    values = _values(conn, slug)
    assert analysis_checks.kept_state(conn, values) == (True, True), f"{slug}: kept facts built for its scope"
    kept_summary = _summary(conn, values, (True, True))
    assert kept_summary == _summary(conn, values, (True, False)), slug
    # Phase 2: over the kept facts the summary reads the kept members' keys alone; ``members`` (with the payments
    # file's extended hours) is not made at all. Computed live, it is.
    assert "CTE members" not in _plan(conn, values, (True, True)), slug
    assert "CTE members" in _plan(conn, values, (True, False)), slug
    # The summary's count queries (multiply assigned now has its own) give what the full result's items count.
    scope = service.resolve_scope(conn, slug, None)
    full = service.run_checks_in(conn, scope)["summary"]
    assert service.run_checks_in(conn, scope, detail="summary")["summary"] == full, slug
    assert _population(conn, values, (True, True)) == _population(conn, values, (True, False)), slug
    for km in kms:
        assert _outlying_kept(conn, values, km) == _outlying_live(conn, values, km), (slug, km)


def _kept_rows(conn) -> dict[str, list[tuple]]:
    out = {}
    with conn.cursor() as cur:
        for table, order in FACTS_ORDER.items():
            cur.execute(sql.SQL("SELECT * FROM {t} ORDER BY {o}").format(t=sql.Identifier(table), o=sql.SQL(order)))
            out[table] = cur.fetchall()
    return out


def assert_incremental_equals_rebuild(conn) -> None:
    before = _kept_rows(conn)
    assert before["scenario_network_facts"], "there are kept facts"
    with conn.cursor() as cur:
        cur.execute("SELECT refresh_scenario_network_facts(array_agg(scenario_id)) FROM scenario_states")
    assert _kept_rows(conn) == before


@pytest.fixture
def demo_conn(demo_db_url):
    c = psycopg2.connect(demo_db_url)
    yield c
    c.rollback()
    c.close()


@pytest.mark.parametrize("slug", DEMO)
def test_kept_equals_live_on_the_demo(demo_conn, slug):
    assert_kept_equals_live(demo_conn, slug, kms=(1, 2, 5, 10))


def test_an_as_of_override_or_other_parameters_compute_live(demo_conn):
    values = _values(demo_conn, DEMO[0])
    assert analysis_checks.kept_state(demo_conn, values) == (True, True)
    assert analysis_checks.kept_state(demo_conn, {**values, "population": "weighted"}) == (True, False)
    moved = _values(demo_conn, DEMO[0], as_of="2019-01-01")
    assert analysis_checks.kept_state(demo_conn, moved)[1] is False
    # The summary the service gives is the same either way (the weighted population is computed live).
    scope = service.resolve_scope(demo_conn, DEMO[0], None)
    summary = service.run_checks_in(demo_conn, scope, detail="summary")["summary"]
    full = service.run_checks_in(demo_conn, scope)["summary"]
    assert summary == full


@pytest.mark.real_data
@pytest.mark.parametrize("order", ["old_to_new", "new_to_old"])
def test_kept_equals_live_with_every_bundle(order, all_bundles_db_url, all_bundles_reversed_db_url):
    url = all_bundles_db_url if order == "old_to_new" else all_bundles_reversed_db_url
    conn = psycopg2.connect(url)
    try:
        for slug in (*REAL, *DEMO):
            assert_kept_equals_live(conn, slug, kms=(5, 10) if slug in REAL else (10,))
    finally:
        conn.rollback()
        conn.close()


def _scenario_id(cur, slug: str) -> int:
    cur.execute("SELECT id FROM scenarios WHERE slug = %s", (slug,))
    return cur.fetchone()[0]


def _networks_by_size(cur, sid: int) -> list[int]:
    cur.execute(
        """SELECT network_id FROM scenario_members WHERE scenario_id = %s
            GROUP BY network_id HAVING count(*) >= 4 ORDER BY count(*) DESC, network_id""",
        (sid,),
    )
    return [r[0] for r in cur.fetchall()]


def _current_memberships(cur, sid: int, network_id: int) -> list[int]:
    cur.execute(
        "SELECT membership_id FROM scenario_members WHERE scenario_id = %s AND network_id = %s ORDER BY 1",
        (sid, network_id),
    )
    return [r[0] for r in cur.fetchall()]


@pytest.mark.real_data
def test_plan_edits_keep_what_a_rebuild_gives(england_2019_writable_db_url):
    slug = "epcn-december-2019"
    conn = psycopg2.connect(england_2019_writable_db_url)
    conn.autocommit = True
    try:
        assert_kept_equals_live(conn, slug)
        with conn.cursor() as cur:
            sid = _scenario_id(cur, slug)
            big = _networks_by_size(cur, sid)
            a, b, c = big[0], big[1], big[2]
            # Move a practice from one network to another.
            cur.execute(
                "UPDATE memberships SET network_id = %s WHERE id = %s", (b, _current_memberships(cur, sid, a)[0])
            )
        assert_incremental_equals_rebuild(conn)
        assert_kept_equals_live(conn, slug)
        with conn.cursor() as cur:
            # Merge network c into b.
            cur.execute(
                "UPDATE memberships SET network_id = %s WHERE id = ANY (%s)", (b, _current_memberships(cur, sid, c))
            )
        assert_incremental_equals_rebuild(conn)
        assert_kept_equals_live(conn, slug)
        with conn.cursor() as cur:
            # Split network a: half its members to a new network.
            cur.execute(
                """INSERT INTO networks (scenario_id, code, name, lead_commissioner_code)
                   SELECT scenario_id, code || 'S', name || ' (split)', lead_commissioner_code FROM networks
                    WHERE id = %s RETURNING id""",
                (a,),
            )
            new = cur.fetchone()[0]
            members = _current_memberships(cur, sid, a)
            cur.execute(
                "UPDATE memberships SET network_id = %s WHERE id = ANY (%s)", (new, members[: len(members) // 2])
            )
            # A membership ends (the practice leaves its network): its network's facts lose it.
            cur.execute("DELETE FROM memberships WHERE id = %s", (_current_memberships(cur, sid, b)[0],))
        assert_incremental_equals_rebuild(conn)
        assert_kept_equals_live(conn, slug)
        with conn.cursor() as cur:
            # A new lead commissioner for a network that did not cross and one that did (migration 0136: the kept
            # cross-boundary flag by commissioner is refreshed with the network's facts).
            cur.execute(
                """SELECT network_id FROM scenario_network_facts WHERE scenario_id = %s AND member_count > 0
                    ORDER BY commissioners_differ, network_id LIMIT 1""",
                (sid,),
            )
            calm = cur.fetchone()[0]
            cur.execute("UPDATE networks SET lead_commissioner_code = 'ZZZ01' WHERE id = %s", (calm,))
            cur.execute(
                """SELECT network_id FROM scenario_network_facts WHERE scenario_id = %s AND commissioners_differ
                    ORDER BY network_id LIMIT 1""",
                (sid,),
            )
            crossing = cur.fetchone()
            if crossing is not None:
                cur.execute("UPDATE networks SET lead_commissioner_code = NULL WHERE id = %s", (crossing[0],))
        assert_incremental_equals_rebuild(conn)
        assert_kept_equals_live(conn, slug)
        with conn.cursor() as cur:
            # Change list-size facts of the scenario's list-size file: the whole state is computed again.
            cur.execute(
                """UPDATE practice_list_sizes SET list_size = list_size + 1000
                    WHERE (extract_id, practice_id) IN (
                          SELECT st.list_size_extract_id, sm.practice_id FROM scenario_members sm
                            JOIN scenario_states st ON st.scenario_id = sm.scenario_id
                           WHERE sm.scenario_id = %s AND sm.network_id = %s)""",
                (sid, b),
            )
            assert cur.rowcount > 0
        assert_incremental_equals_rebuild(conn)
        assert_kept_equals_live(conn, slug)
    finally:
        conn.close()
