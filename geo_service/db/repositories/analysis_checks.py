"""SQL for the rule engine: the rules' queries (handed in by the service) over shared CTEs, in one statement.

Shared CTEs: ``ps`` (practice state as of the scope, from :mod:`scope`), ``scoped`` (the scenario's
networks in scope), ``members`` (their current members) and ``population`` (per-network list-size facts), the
last read from the kept per-network facts (migration 0130) when :func:`kept_state` says they apply, with
``kept_nearest`` (each member's kept distance to the nearest other member) for the rules' ``kept_count_queries``,
and ``member_keys`` (the members' keys, without extended hours), which the summary's count queries read: over the
kept facts it comes straight from ``scenario_members``, so ``members`` is not made; computed live, it is ``members``.
:func:`items` runs every rule's queries in one statement, each aggregated to a JSON array by PostgreSQL,
so one round trip returns everything; :func:`summary_counts` returns counts only.

Values come from ``Scope.values()`` plus the check parameters and ``stale_before``. Geometry is read from
the derived tables kept by triggers (``point_areas``, ``network_area_shares``, ``network_overlaps``,
``area_gaps``, ``network_point_distance``, ``area_geometry``), so these queries only join and aggregate.

Scope when an area is given: a practice is in scope when its commissioner is the area or it is located in
the area (``scope.practice_in_area``); a network when its lead commissioner is the area or one of its
current members is in scope (``scope.network_in_area``).
"""

from __future__ import annotations

import hashlib
import json
import re
import weakref
from collections.abc import Iterable, Mapping

from psycopg2 import sql

from geo_service.db.repositories import scope

_FRAGMENTS = {
    "current": scope.current_membership("m"),
    "in_area": scope.practice_in_area("ps"),
    "in_scope": scope.in_scope_practice("ps"),
}


def _compose(text: str) -> sql.Composable:
    return sql.SQL(text).format(**{k: v for k, v in _FRAGMENTS.items() if "{" + k + "}" in text})


_CTES_TEXT = sql.SQL(
    """
    {ps},
    scoped AS MATERIALIZED (
        SELECT n.id, n.code, n.name, n.lead_commissioner_code, (n.geom IS NOT NULL) AS has_polygon,
               n.geom_made_valid
          FROM networks n
         WHERE n.scenario_id = %(scenario_id)s AND {network_in_area}
    ),
    hours_paid AS NOT MATERIALIZED (
        -- Where the scope reads extended hours from a payments file (issue 25): a practice offered extended
        -- hours when it was paid under the Extended Hours Access DES that year; one absent from the file is unknown.
        SELECT pp.practice_id, pp.extended_hours_paid > 0 AS offered
          FROM practice_payments pp
         WHERE %(hours_from_payments)s AND pp.extract_id = %(payments_extract_id)s
    ),
    weighted_lists AS NOT MATERIALIZED (
        -- With ``population=weighted`` (issue 25): each practice's weighted list (Global Sum) of the scope's payments
        -- file, whole patients; size band and dominance then read it instead of the registered list size.
        SELECT pp.practice_id, round(pp.weighted_patients)::int AS weighted
          FROM practice_payments pp
         WHERE %(population)s = 'weighted' AND pp.extract_id = %(payments_extract_id)s
    ),
    members AS MATERIALIZED (
        -- The scenario's current members as kept for its own date and extracts, else joined here.
        SELECT sm.membership_id, sm.network_id, sm.network_code, sm.network_name, sm.lead, sm.practice_id,
               sm.ods_code, sm.practice_name, sm.commissioner_code, sm.list_size,
               coalesce(sm.extended_hours, hp.offered) AS extended_hours, sm.point_id
          FROM scenario_members sm
          LEFT JOIN hours_paid hp ON hp.practice_id = sm.practice_id
         WHERE sm.scenario_id = %(scenario_id)s AND {stored}
           AND (%(area_id)s::integer IS NULL OR sm.network_id IN (SELECT id FROM scoped))
        UNION ALL
        SELECT m.id AS membership_id, n.id AS network_id, n.code AS network_code, n.name AS network_name,
               n.lead_commissioner_code AS lead, ps.practice_id, ps.ods_code, ps.name AS practice_name,
               ps.commissioner_code, ps.list_size, coalesce(ps.extended_hours, hp.offered) AS extended_hours,
               ps.point_id
          FROM scoped n
          JOIN memberships m ON m.network_id = n.id AND m.scenario_id = %(scenario_id)s AND {current}
          JOIN ps ON ps.practice_id = m.practice_id
          LEFT JOIN hours_paid hp ON hp.practice_id = ps.practice_id
         WHERE {not_stored}
    ),
    {population}
    """
)


_POPULATION_LIVE = sql.SQL(
    """    population AS MATERIALIZED (
        -- One sort (the window) orders each network's members by list size, largest first; the
        -- aggregates then read that order, so no per-network sorts are needed.
        SELECT n.id AS network_id, n.code, n.name, n.lead_commissioner_code,
               coalesce(a.member_count, 0) AS member_count,
               coalesce(a.population, 0) AS population,
               coalesce(a.unknown_list_sizes, 0) AS unknown_list_sizes,
               coalesce(a.unknown_list_size_practices, '{}') AS unknown_list_size_practices,
               a.largest_list_size, a.largest_code, a.largest_name, a.second_code, a.second_list_size,
               coalesce(a.covered_population, 0) AS covered_population,
               coalesce(a.known_hours_population, 0) AS known_hours_population,
               coalesce(a.not_offering, '{}') AS not_offering,
               coalesce(a.hours_unknown, '{}') AS hours_unknown
          FROM scoped n
          LEFT JOIN (
                SELECT r.network_id,
                       count(*)::int AS member_count,
                       coalesce(sum(r.size), 0)::bigint AS population,
                       count(*) FILTER (WHERE r.size IS NULL)::int AS unknown_list_sizes,
                       array_agg(r.ods_code) FILTER (WHERE r.size IS NULL) AS unknown_list_size_practices,
                       max(r.size) AS largest_list_size,
                       max(r.ods_code) FILTER (WHERE r.rank = 1 AND r.size IS NOT NULL) AS largest_code,
                       max(r.practice_name) FILTER (WHERE r.rank = 1 AND r.size IS NOT NULL) AS largest_name,
                       max(r.ods_code) FILTER (WHERE r.rank = 2 AND r.size IS NOT NULL) AS second_code,
                       max(r.size) FILTER (WHERE r.rank = 2) AS second_list_size,
                       coalesce(sum(r.list_size) FILTER (WHERE r.extended_hours), 0)::bigint AS covered_population,
                       coalesce(sum(r.list_size) FILTER (WHERE r.extended_hours IS NOT NULL), 0)::bigint
                           AS known_hours_population,
                       array_agg(r.ods_code) FILTER (WHERE r.extended_hours = false) AS not_offering,
                       array_agg(r.ods_code) FILTER (WHERE r.extended_hours IS NULL) AS hours_unknown
                  FROM (SELECT z.*,
                               row_number() OVER (PARTITION BY z.network_id
                                                  ORDER BY z.size DESC NULLS LAST, z.ods_code COLLATE "C")
                                   AS rank
                          FROM (SELECT mb.network_id, mb.ods_code, mb.practice_name, mb.list_size, mb.extended_hours,
                                       CASE WHEN %(population)s = 'weighted' THEN wl.weighted ELSE mb.list_size END
                                           AS size
                                  FROM members mb LEFT JOIN weighted_lists wl ON wl.practice_id = mb.practice_id) z) r
                 GROUP BY r.network_id
               ) a ON a.network_id = n.id
    ),
    member_keys AS NOT MATERIALIZED (
        SELECT network_id, practice_id, ods_code, commissioner_code, lead, point_id FROM members
    )
    """
)

# The same columns from the kept per-network facts (scenario_network_facts, SQL function
# refresh_scenario_network_facts: the aggregates above over the kept members, registered list sizes), and each
# located member's kept distance to the nearest other located member of its network (scenario_member_nearest), for
# the rules' ``kept_count_queries``. Used only when :func:`kept_state` says they were built for this scope.
_POPULATION_KEPT = sql.SQL(
    """population AS MATERIALIZED (
        SELECT n.id AS network_id, n.code, n.name, n.lead_commissioner_code,
               coalesce(f.member_count, 0) AS member_count,
               coalesce(f.population, 0) AS population,
               coalesce(f.unknown_list_sizes, 0) AS unknown_list_sizes,
               coalesce(f.unknown_list_size_practices, '{}') AS unknown_list_size_practices,
               f.largest_list_size, f.largest_code, f.largest_name, f.second_code, f.second_list_size,
               CASE WHEN %(hours_from_payments)s THEN coalesce(f.covered_population, 0)
                    ELSE coalesce(f.covered_population_register, 0) END AS covered_population,
               CASE WHEN %(hours_from_payments)s THEN coalesce(f.known_hours_population, 0)
                    ELSE coalesce(f.known_hours_population_register, 0) END AS known_hours_population,
               coalesce(CASE WHEN %(hours_from_payments)s THEN f.not_offering ELSE f.not_offering_register END, '{}')
                   AS not_offering,
               coalesce(CASE WHEN %(hours_from_payments)s THEN f.hours_unknown ELSE f.hours_unknown_register END, '{}')
                   AS hours_unknown
          FROM scoped n
          LEFT JOIN scenario_network_facts f ON f.scenario_id = %(scenario_id)s AND f.network_id = n.id
    ),
    kept_nearest AS (
        SELECT k.ods_code, n.code AS network_code, k.nearest_m
          FROM scenario_member_nearest k JOIN scoped n ON n.id = k.network_id
         WHERE k.scenario_id = %(scenario_id)s
    ),
    member_keys AS MATERIALIZED (
        -- The kept members' keys alone, without the payments file's extended hours: the summary's count queries
        -- read these, so ``members`` (and its join to the payments file) is not made at all.
        SELECT sm.network_id, sm.practice_id, sm.ods_code, sm.commissioner_code, sm.lead, sm.point_id
          FROM scenario_members sm
         WHERE sm.scenario_id = %(scenario_id)s
           AND (%(area_id)s::integer IS NULL OR sm.network_id IN (SELECT id FROM scoped))
    )"""
)


def _ctes_for(stored: bool | None, facts: bool = False) -> sql.Composable:
    """The shared CTEs with only the branch of the kept state that applies (both, decided in the statement,
    when ``stored`` is None): with both, the planner adds their estimates (millions of members instead of
    thousands) and sizes every hash on ``members`` for them, spilling to disk."""
    keep = scope.STORED_STATE if stored in (None, True) else sql.SQL("false")
    live = sql.SQL("NOT {s}").format(s=scope.STORED_STATE) if stored in (None, False) else sql.SQL("false")
    return _CTES_TEXT.format(
        ps=scope.practice_state_cte("ps", with_location=False, materialized=True, stored=stored),
        network_in_area=scope.network_in_area("n"),
        current=scope.current_membership("m"),
        stored=keep,
        not_stored=live,
        population=_POPULATION_KEPT if facts else _POPULATION_LIVE,
    )


_CTES_BY_STATE = {
    (state, facts): _ctes_for(state, facts)
    for state in (None, True, False)
    for facts in (False, True)
    if state or not facts
}

# The kept per-network facts apply when the kept state does (the scope's date and extracts), the population read is
# the registered list size (the default), and extended hours are read from the register (the *_register columns) or
# from the payments file they were kept with (scenario_states.hours_extract_id).
_KEPT_FACTS = sql.SQL(
    """EXISTS (SELECT 1 FROM scenario_states st
                WHERE st.scenario_id = %(scenario_id)s AND %(population)s = 'registered'
                  AND (NOT %(hours_from_payments)s
                       OR st.hours_extract_id IS NOT DISTINCT FROM %(payments_extract_id)s::integer))"""
)


def kept_state(conn, values: dict) -> tuple[bool, bool]:
    """(whether the scenario's kept state was built for exactly this scope, whether its kept per-network facts and
    nearest-member distances apply too): one cheap query, asked before the statement so that it holds only the
    branch that applies."""
    with conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT {s}, {f}").format(s=scope.STORED_STATE, f=_KEPT_FACTS), values)
        stored, facts = cur.fetchone()
    return bool(stored), bool(stored and facts)


def _ctes(conn, values: dict, kept: tuple[bool, bool] | None = None) -> sql.Composable:
    """The shared CTEs for this scope (``kept``: :func:`kept_state`, asked here when not given)."""
    return _CTES_BY_STATE[kept if kept is not None else kept_state(conn, values)]


# Networks and practices in scope (active GP practices of the nation, and those of other nations), as
# json_build_object arguments.
_SCOPE_COUNTS = sql.SQL(
    """'networks', (SELECT count(*) FROM scoped)::int,
       'median_population', (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY population)
                               FROM population WHERE member_count > 0),
       'practices', (SELECT count(*) FROM ps WHERE {in_scope} AND {in_area})::int,
       'out_of_scope', coalesce((SELECT json_object_agg(o.nation, o.n) FROM (
                            SELECT coalesce(ps.nation, 'unknown') AS nation, count(*)::int AS n FROM ps
                             WHERE ps.active_gp AND NOT ps.in_nation AND {in_area}
                             GROUP BY ps.nation) o), '{{}}')"""
).format(in_scope=_FRAGMENTS["in_scope"], in_area=_FRAGMENTS["in_area"])


# These statements are cheap but long: their cost estimate crosses jit_above_cost, and compiling them
# with LLVM takes longer (seconds, on a busy machine) than running them (milliseconds). ``SET LOCAL`` in
# the same query string also holds on autocommit connections (one implicit transaction).
_NO_JIT = sql.SQL("SET LOCAL jit = off; ")


def items(conn, values: dict, queries: Mapping[str, str]) -> dict:
    """Rows of the given rule queries (name -> SELECT over the shared CTEs, the rules' SQL) as
    ``{query: [row, ...]}``, plus ``_counts`` (networks and practices in scope), in one statement: one output
    row per query, its rows aggregated to JSON."""
    return _items(conn, values, queries, None)[0]


def first_items(
    conn, values: dict, queries: Mapping[str, str], limit: int, summary: Iterable[tuple[str, str]] = ()
) -> tuple[dict, dict[str, int], dict]:
    """The first ``limit`` rows of each rule query (in its own order), how many rows each has, and the summary
    counts (as :func:`summary_counts`, from the rules' ``summary`` pairs), in one statement: each query runs once,
    its rows numbered and counted, and only the first ``limit`` are made JSON and sent. A page of findings across
    the rules lies within the first ``page * per_page`` rows of each query, since rules are paged in order and
    each rule's items keep its queries' order."""
    raw, counts = _items(conn, values, queries, limit, _summary_parts(summary))
    merged: dict = {}
    for part in raw.pop("_summary"):
        merged.update(part)
    return raw, counts, merged


def _summary_parts(queries: Iterable[tuple[str, str]]) -> list[sql.Composable]:
    parts = [
        sql.SQL("(SELECT json_build_object({agg}) FROM ({query}) x)").format(agg=sql.SQL(agg), query=_compose(text))
        for text, agg in queries
    ]
    parts.append(sql.SQL("json_build_object({sc})").format(sc=_SCOPE_COUNTS))
    return parts


def _items(
    conn, values: dict, queries: Mapping[str, str], limit: int | None, summary: list[sql.Composable] | None = None
) -> tuple[dict, dict[str, int]]:
    if limit is None:
        template = "SELECT {name}, (SELECT coalesce(json_agg(x), '[]'::json) FROM ({query}) x)::text"
    else:
        # [row count, first rows]: the rows numbered in the query's own order, as json_agg reads them.
        template = (
            "SELECT {name}, (SELECT json_build_array(count(*), coalesce(json_agg(z.j) FILTER"
            " (WHERE z.rn <= %(first_items_limit)s), '[]'::json)) FROM (SELECT row_number() OVER () AS rn,"
            " to_json(x) AS j FROM ({query}) x) z)::text"
        )
        values = {**values, "first_items_limit": limit}
    parts = [sql.SQL(template).format(name=sql.Literal(name), query=_compose(text)) for name, text in queries.items()]
    parts.append(sql.SQL("SELECT '_counts', json_build_object({sc})::text").format(sc=_SCOPE_COUNTS))
    if summary is not None:
        parts.append(sql.SQL("SELECT '_summary', json_build_array({p})::text").format(p=sql.SQL(", ").join(summary)))
    query = sql.SQL("WITH {ctes} {parts}").format(ctes=_ctes(conn, values), parts=sql.SQL(" UNION ALL ").join(parts))
    with conn.cursor() as cur:
        cur.execute(_NO_JIT + query, values)
        fetched = {name: json.loads(text) for name, text in cur.fetchall()}
    if limit is None:
        return fetched, {}
    whole = ("_counts", "_summary")
    counts = {name: got[0] for name, got in fetched.items() if name not in whole}
    return {name: (got if name in whole else got[1]) for name, got in fetched.items()}, counts


def summary_counts(
    conn,
    values: dict,
    queries: Iterable[tuple[str, str]],
    count_rows: Mapping[str, str] | None = None,
    kept: tuple[bool, bool] | None = None,
) -> dict:
    """The summary counts only (no rows leave the database), plus networks and practices in scope. ``queries``
    are the rules' (SELECT, ``json_build_object`` arguments over its rows ``x``) pairs; the arguments are the
    rules' own constant SQL text (never a value). ``count_rows`` (name -> rule query) adds ``_rows``: how many
    rows each of those queries gives (counted in the database; columns nothing reads are not computed). ``kept``
    (:func:`kept_state`) must be given when ``queries`` read the kept facts (the rules' ``kept_count_queries``)."""
    parts = _summary_parts(queries)
    if count_rows:
        counted = sql.SQL(", ").join(
            sql.SQL("{name}, (SELECT count(*) FROM ({query}) x)").format(name=sql.Literal(name), query=_compose(text))
            for name, text in count_rows.items()
        )
        parts.append(sql.SQL("json_build_object('_rows', json_build_object({c}))").format(c=counted))
    query = sql.SQL("WITH {ctes} SELECT json_build_array({parts})::text").format(
        ctes=_ctes(conn, values, kept), parts=sql.SQL(", ").join(parts)
    )
    with conn.cursor() as cur:
        if kept == (True, True) and values.get("area_id") is None and not count_rows:
            text = _execute_prepared(conn, cur, query, values)
        else:
            cur.execute(_NO_JIT + query, values)
            text = cur.fetchone()[0]
        merged: dict = {}
        for part in json.loads(text):
            merged.update(part)
        return merged


# Prepared summary statements per connection (name -> parameter names, in order): a connection of the pool prepares
# each summary statement once and then only executes it. Planning the long statement costs about 2 ms of the
# database's CPU per call (issue 19); its generic plan over the kept facts of a whole nation is as good as a custom
# one (the scenario's partitions are pruned when it starts), so it is used for that scope only: over the kept facts
# (analysis_checks.kept_state), no area. Prepared statements belong to the session and survive a rollback; the pool
# never discards them, and a closed connection takes its names with it.
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _execute_prepared(conn, cur, query: sql.Composable, values: dict) -> str:
    text = query.as_string(conn)
    name = "geo_summary_" + hashlib.sha1(text.encode()).hexdigest()[:24]
    known = _PREPARED.setdefault(conn, {})
    names = known.get(name)
    if names is None:
        names = []

        def number(m: re.Match) -> str:
            if m.group(1) not in names:
                names.append(m.group(1))
            return f"${names.index(m.group(1)) + 1}"

        # The composed text holds only the rules' constant SQL and %(name)s placeholders (values never enter it).
        cur.execute(
            sql.SQL("PREPARE {n} AS ").format(n=sql.Identifier(name))
            + sql.SQL(_PLACEHOLDER.sub(number, text).replace("%%", "%"))
        )
        known[name] = names
    execute = sql.SQL("SET LOCAL plan_cache_mode = force_generic_plan; EXECUTE {n} ({args})").format(
        n=sql.Identifier(name), args=sql.SQL(", ").join(sql.Placeholder(k) for k in names)
    )
    cur.execute(_NO_JIT + execute, values)
    text = cur.fetchone()[0]
    if not conn.autocommit:
        # SET LOCAL holds to the end of the transaction: give later statements of an edit's transaction (and its
        # triggers' PL/pgSQL) the session's own plan choice back.
        cur.execute("SET LOCAL plan_cache_mode TO DEFAULT")
    return text


def network_rows(conn, values: dict) -> list[dict]:
    """Every network in scope with the facts the rules read (the ``population`` CTE): members, population,
    members without a list size, largest member. The area panel, map and print list exactly these networks
    (issue 11: one source for the counts)."""
    query = sql.SQL(
        """WITH {ctes}
        SELECT code, name, lead_commissioner_code, member_count, population, unknown_list_sizes,
               largest_code, largest_name, largest_list_size
          FROM population
         ORDER BY code COLLATE "C"
        """
    ).format(ctes=_ctes(conn, values))
    with conn.cursor() as cur:
        cur.execute(_NO_JIT + query, values)
        columns = [d.name for d in cur.description]
        return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
