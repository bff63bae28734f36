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

Phase 3 (migration 0140): where members lie is kept per network too (cross-boundary by member location for every
boundary set, members outside their polygon at the default tolerance), refreshed by triggers when points change area
(area edits) or members' distances to their polygon change (polygon edits): kept equals live for every boundary set
of each scenario's dataset, at another tolerance (computed live), and after polygon and area edits.
"""

from __future__ import annotations

import json

import psycopg2
import pytest
from psycopg2 import sql

from geo_service.analysis import rules, service
from geo_service.analysis.rules import cross_boundary, geometry
from geo_service.db.repositories import analysis_checks
from tests.analysis.conftest import shared_checks
from tests.conftest import rolled_back_connection

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


def _count_rows(conn, values: dict, kept: tuple[bool, bool], query: str) -> list[tuple]:
    composed = sql.SQL("WITH {ctes} SELECT * FROM ({q}) x ORDER BY 1").format(
        ctes=analysis_checks._ctes(conn, values, kept), q=analysis_checks._compose(query)
    )
    with conn.cursor() as cur:
        cur.execute(composed, values)
        return cur.fetchall()


def _boundary_sets(conn, slug: str) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT b.slug FROM boundary_sets b JOIN scenarios s ON s.dataset = b.dataset
                WHERE s.slug = %s ORDER BY b.slug""",
            (slug,),
        )
        return [r[0] for r in cur.fetchall()]


def assert_locations_kept_equal_live(conn, slug: str) -> None:
    """Migration 0140: cross-boundary by member location kept for every boundary set of the scenario's dataset, and
    members outside their polygon kept at the default tolerance (another tolerance is computed live), give the rows
    the live count queries give."""
    location = "cross_boundary_member_location_count"
    outside = "members_outside_count"
    for bs in _boundary_sets(conn, slug):
        values = service.check_values(service.resolve_scope(conn, slug, bs))[0]
        live = _count_rows(conn, values, (True, False), cross_boundary.RULE.count_queries[location])
        assert _count_rows(conn, values, (True, True), cross_boundary.RULE.kept_count_queries[location]) == live, (
            slug,
            bs,
        )
    values = _values(conn, slug)
    for tolerance in (geometry.RULE.parameters["outside_tolerance_m"].default, 0.0, 250.0):
        at = {**values, "outside_tolerance_m": tolerance}
        live = _count_rows(conn, at, (True, False), geometry.RULE.count_queries[outside])
        assert _count_rows(conn, at, (True, True), geometry.RULE.kept_count_queries[outside]) == live, (slug, tolerance)


def assert_kept_equals_live(conn, slug: str, kms=(10,), full: dict | None = None) -> None:
    """``full``: the summary of the scenario's full checks when already computed on this database (shared, read-only),
    else computed here."""
    values = _values(conn, slug)
    assert analysis_checks.kept_state(conn, values) == (True, True), f"{slug}: kept facts built for its scope"
    kept_summary = _summary(conn, values, (True, True))
    assert kept_summary == _summary(conn, values, (True, False)), slug
    assert_locations_kept_equal_live(conn, slug)
    # Phase 2: over the kept facts the summary reads the kept members' keys alone; ``members`` (with the payments
    # file's extended hours) is not made at all. Computed live, it is.
    assert "CTE members" not in _plan(conn, values, (True, True)), slug
    assert "CTE members" in _plan(conn, values, (True, False)), slug
    # The summary's count queries (multiply assigned now has its own) give what the full result's items count.
    scope = service.resolve_scope(conn, slug, None)
    if full is None:
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
    with rolled_back_connection(demo_db_url) as c:
        yield c


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
            full = shared_checks(url, slug)["summary"]  # the database is shared and read-only: computed once
            assert_kept_equals_live(conn, slug, kms=(5, 10) if slug in REAL else (10,), full=full)
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


def _locations(cur, sid: int) -> dict[str, list[tuple]]:
    cur.execute(
        """SELECT network_id, member_location_sets, members_outside FROM scenario_network_facts
            WHERE scenario_id = %s ORDER BY network_id""",
        (sid,),
    )
    rows = cur.fetchall()
    return {"sets": [(r[0], r[1]) for r in rows], "outside": [(r[0], r[2]) for r in rows]}


def test_the_kept_tolerance_is_the_rules_default(demo_conn):
    with demo_conn.cursor() as cur:
        cur.execute("SELECT kept_outside_tolerance_m()")
        assert cur.fetchone()[0] == geometry.RULE.parameters["outside_tolerance_m"].default


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
            # Polygon edits (migration 0140: members outside their polygon are kept, refreshed when the members'
            # distances change): one network's polygon shrinks to 100 m around one of its members, another with
            # members outside loses its polygon.
            before = _locations(cur, sid)
            cur.execute(
                """UPDATE networks n SET geom = ST_Multi(ST_Buffer(pt.geom::geography, 100)::geometry)
                     FROM scenario_members sm JOIN postcode_points pt ON pt.id = sm.point_id
                    WHERE n.id = %s AND sm.scenario_id = %s AND sm.network_id = n.id
                      AND sm.membership_id = (
                          SELECT min(membership_id) FROM scenario_members
                           WHERE scenario_id = %s AND network_id = n.id AND point_id IS NOT NULL)""",
                (big[3], sid, sid),
            )
            assert cur.rowcount == 1
            cur.execute(
                """UPDATE networks SET geom = NULL WHERE id = (
                       SELECT min(network_id) FROM scenario_network_facts
                        WHERE scenario_id = %s AND members_outside <> '{}' AND network_id <> %s)""",
                (sid, big[3]),
            )
            assert _locations(cur, sid)["outside"] != before["outside"], "the polygon edits moved members outside"
        assert_incremental_equals_rebuild(conn)
        assert_kept_equals_live(conn, slug)
        with conn.cursor() as cur:
            # An area edit (point_areas change: the kept cross-boundary by member location is refreshed): the
            # scenario's boundary set's first area grows by about 5 km, so points of its neighbours fall in it.
            before = _locations(cur, sid)
            cur.execute(
                """UPDATE areas SET geom = ST_Multi(ST_Buffer(geom, 0.05)) WHERE id = (
                       SELECT min(a.id) FROM areas a JOIN boundary_sets b ON b.id = a.boundary_set_id
                        WHERE b.slug = 'ccg-april-2019')"""
            )
            assert cur.rowcount == 1
            assert _locations(cur, sid)["sets"] != before["sets"], "the area edit moved members across areas"
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


def _plain_summary(conn, values: dict, queries: list[tuple[str, str]]) -> dict:
    """The summary statement as :func:`analysis_checks.summary_counts` composes it, executed as it is (planned for
    these values), not prepared."""
    parts = analysis_checks._summary_parts(queries)
    query = sql.SQL("WITH {ctes} SELECT json_build_array({parts})::text").format(
        ctes=analysis_checks._ctes(conn, values, (True, True)), parts=sql.SQL(", ").join(parts)
    )
    with conn.cursor() as cur:
        cur.execute(query, values)
        merged: dict = {}
        for part in json.loads(cur.fetchone()[0]):
            merged.update(part)
        return merged


@pytest.mark.parametrize("autocommit", [True, False])
def test_the_prepared_summary_gives_what_the_statement_gives(demo_db_url, autocommit):
    """Over the kept facts of a whole nation the summary statement is prepared once per connection and executed with
    its generic plan: every rule alone and all together give what the statement planned for its values gives, at
    default and other parameters, twice (prepared, then executed again); in a transaction, later statements get the
    session's plan choice back."""
    conn = psycopg2.connect(demo_db_url)
    conn.autocommit = autocommit
    try:
        choices = [(r,) for r in rules.RULES] + [rules.RULES]
        for params in (None, {"outside_tolerance_m": 250.0, "overlap_min_share": 0.0, "outlier_km": 1.0}):
            values = _values(conn, DEMO[0], params)
            for chosen in choices:
                queries = rules.summary_queries(chosen, kept=True)
                expected = _plain_summary(conn, values, queries)
                for _ in range(2):
                    got = analysis_checks.summary_counts(conn, values, queries, kept=(True, True))
                    assert got == expected, (params, [r.key for r in chosen])
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_prepared_statements WHERE name LIKE 'geo_summary_%'")
            # One prepared statement per distinct statement (the parameters' values never enter its text).
            assert cur.fetchone()[0] == len({tuple(rules.summary_queries(c, kept=True)) for c in choices})
            cur.execute("SHOW plan_cache_mode")
            assert cur.fetchone()[0] == "auto"
    finally:
        conn.rollback()
        conn.close()
