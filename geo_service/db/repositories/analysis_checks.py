"""SQL for the rule engine: one set-based query per check, over all networks of a scenario.

Each check is a ``SELECT`` (in :data:`CHECK_QUERIES`) over shared CTEs: ``scoped`` (the scenario's
networks in scope), ``members`` (their current members) and ``population`` (per-network list-size
facts). :func:`items` runs the wanted checks in one statement, each aggregated to a JSON array by
PostgreSQL, so one round trip returns everything; :func:`summary_counts` returns counts only.

Values are bound as ``%(name)s``: ``scenario_id``, ``bs_id`` (boundary set), ``area_id``/``area_ods``
(NULL for no area filter) and the thresholds. Geometry is read from the derived tables kept by
migrations 0010/0011 (``practice_areas``, ``network_area_shares``, ``network_overlaps``, ``area_gaps``,
``membership_polygon_distance``, ``area_geometry``), so these queries only join and aggregate.

Scope when an area is given: a practice is in scope when its commissioner is the area or it is
located in the area; a network when its lead commissioner is the area, a current member is in
scope, or more than the cross-boundary tolerance of its polygon lies in the area.
"""

from __future__ import annotations

import json

from psycopg2 import sql

_CURRENT = sql.SQL("(m.end_date IS NULL OR m.end_date >= current_date)")

_PRACTICE_IN_SCOPE = sql.SQL(
    """(%(area_id)s::integer IS NULL
        OR p.commissioner_code = %(area_ods)s
        OR EXISTS (SELECT 1 FROM practice_areas spa WHERE spa.practice_id = p.id
                      AND spa.boundary_set_id = %(bs_id)s AND spa.area_id = %(area_id)s))"""
)

# Active GP practices, plus any practice that is a current member of the scenario.
_RELEVANT_PRACTICE = sql.SQL(
    """((p.status = 'active' AND p.prescribing_setting = 4)
        OR p.id IN (SELECT m.practice_id FROM memberships m WHERE m.scenario_id = %(scenario_id)s AND {current}))"""
).format(current=_CURRENT)

_CTES = sql.SQL(
    """
    scoped AS MATERIALIZED (
        SELECT n.id, n.code, n.name, n.lead_commissioner_code, (n.geom IS NOT NULL) AS has_polygon,
               n.geom_made_valid
          FROM networks n
         WHERE n.scenario_id = %(scenario_id)s
           AND (%(area_id)s::integer IS NULL
                OR n.lead_commissioner_code = %(area_ods)s
                OR EXISTS (SELECT 1 FROM memberships m JOIN practices p ON p.id = m.practice_id
                            WHERE m.network_id = n.id AND {current} AND {practice_in_scope})
                OR EXISTS (SELECT 1 FROM network_area_shares s WHERE s.network_id = n.id
                              AND s.area_id = %(area_id)s AND s.share > %(cross_boundary_tolerance)s))
    ),
    members AS MATERIALIZED (
        SELECT m.id AS membership_id, n.id AS network_id, n.code AS network_code, n.name AS network_name,
               n.lead_commissioner_code AS lead, p.id AS practice_id, p.ods_code, p.name AS practice_name,
               p.commissioner_code, p.list_size, p.extended_hours
          FROM scoped n
          JOIN memberships m ON m.network_id = n.id AND m.scenario_id = %(scenario_id)s AND {current}
          JOIN practices p ON p.id = m.practice_id
    ),
    population AS MATERIALIZED (
        -- One sort (the window) orders each network's members by list size, largest first; the
        -- aggregates then read that order, so no per-network sorts are needed.
        SELECT n.id AS network_id, n.code, n.name, n.lead_commissioner_code,
               coalesce(a.member_count, 0) AS member_count,
               coalesce(a.population, 0) AS population,
               coalesce(a.unknown_list_sizes, 0) AS unknown_list_sizes,
               coalesce(a.unknown_list_size_practices, '{{}}') AS unknown_list_size_practices,
               a.largest_list_size, a.largest_code, a.largest_name, a.second_code, a.second_list_size,
               coalesce(a.covered_population, 0) AS covered_population,
               coalesce(a.known_hours_population, 0) AS known_hours_population,
               coalesce(a.not_offering, '{{}}') AS not_offering,
               coalesce(a.hours_unknown, '{{}}') AS hours_unknown
          FROM scoped n
          LEFT JOIN (
                SELECT r.network_id,
                       count(*)::int AS member_count,
                       coalesce(sum(r.list_size), 0)::bigint AS population,
                       count(*) FILTER (WHERE r.list_size IS NULL)::int AS unknown_list_sizes,
                       array_agg(r.ods_code) FILTER (WHERE r.list_size IS NULL) AS unknown_list_size_practices,
                       max(r.list_size) AS largest_list_size,
                       max(r.ods_code) FILTER (WHERE r.rank = 1 AND r.list_size IS NOT NULL) AS largest_code,
                       max(r.practice_name) FILTER (WHERE r.rank = 1 AND r.list_size IS NOT NULL) AS largest_name,
                       max(r.ods_code) FILTER (WHERE r.rank = 2 AND r.list_size IS NOT NULL) AS second_code,
                       max(r.list_size) FILTER (WHERE r.rank = 2) AS second_list_size,
                       coalesce(sum(r.list_size) FILTER (WHERE r.extended_hours), 0)::bigint AS covered_population,
                       coalesce(sum(r.list_size) FILTER (WHERE r.extended_hours IS NOT NULL), 0)::bigint
                           AS known_hours_population,
                       array_agg(r.ods_code) FILTER (WHERE r.extended_hours = false) AS not_offering,
                       array_agg(r.ods_code) FILTER (WHERE r.extended_hours IS NULL) AS hours_unknown
                  FROM (SELECT mb.network_id, mb.ods_code, mb.practice_name, mb.list_size, mb.extended_hours,
                               row_number() OVER (PARTITION BY mb.network_id
                                                  ORDER BY mb.list_size DESC NULLS LAST, mb.ods_code COLLATE "C")
                                   AS rank
                          FROM members mb) r
                 GROUP BY r.network_id
               ) a ON a.network_id = n.id
    )
    """
).format(current=_CURRENT, practice_in_scope=_PRACTICE_IN_SCOPE)

CHECK_QUERIES: dict[str, sql.Composable] = {
    # Active GP practices with no current membership in the scenario.
    "orphaned_practices": sql.SQL(
        """
        SELECT p.ods_code AS code, p.name, p.postcode, p.commissioner_code, p.list_size,
               a.ods_code AS area_ods_code, a.gss_code AS area_gss_code, a.name AS area_name
          FROM practices p
          LEFT JOIN practice_areas pa ON pa.practice_id = p.id AND pa.boundary_set_id = %(bs_id)s
          LEFT JOIN areas a ON a.id = pa.area_id
         WHERE p.status = 'active' AND p.prescribing_setting = 4
           AND NOT EXISTS (SELECT 1 FROM memberships m
                            WHERE m.scenario_id = %(scenario_id)s AND m.practice_id = p.id AND {current})
           AND {practice_in_scope}
         ORDER BY p.ods_code COLLATE "C"
        """
    ).format(current=_CURRENT, practice_in_scope=_PRACTICE_IN_SCOPE),
    # Practices with current memberships in more than one network of the scenario.
    "multiply_assigned_practices": sql.SQL(
        """
        SELECT p.ods_code AS code, p.name, p.commissioner_code,
               (SELECT json_agg(json_build_object('code', n.code, 'name', n.name) ORDER BY n.code COLLATE "C")
                  FROM memberships m JOIN networks n ON n.id = m.network_id
                 WHERE m.practice_id = p.id AND m.scenario_id = %(scenario_id)s AND {current}) AS networks
          FROM (SELECT m.practice_id FROM memberships m
                 WHERE m.scenario_id = %(scenario_id)s AND {current}
                 GROUP BY m.practice_id HAVING min(m.network_id) <> max(m.network_id)) d
          JOIN practices p ON p.id = d.practice_id
         WHERE {practice_in_scope}
         ORDER BY p.ods_code COLLATE "C"
        """
    ).format(current=_CURRENT, practice_in_scope=_PRACTICE_IN_SCOPE),
    # Members' commissioners differ from each other or from the lead commissioner. Evidence: the
    # members whose commissioner differs from the lead (all members when there is no lead).
    "cross_boundary_administrative": sql.SQL(
        """
        WITH flagged AS (
            -- One pass over the members: the evidence is aggregated for every network, kept for the flagged.
            SELECT network_id,
                   array_agg(DISTINCT commissioner_code) FILTER (WHERE commissioner_code IS NOT NULL)
                       AS commissioner_codes,
                   coalesce(json_agg(json_build_object('code', ods_code, 'name', practice_name,
                                                       'commissioner_code', commissioner_code)
                                     ORDER BY ods_code COLLATE "C")
                            FILTER (WHERE commissioner_code <> lead
                                       OR (lead IS NULL AND commissioner_code IS NOT NULL)),
                            '[]') AS members
              FROM members GROUP BY network_id
            HAVING min(commissioner_code) <> max(commissioner_code) OR bool_or(commissioner_code <> lead)
        )
        SELECT n.code, n.name, n.lead_commissioner_code, f.commissioner_codes, f.members
          FROM flagged f JOIN scoped n ON n.id = f.network_id
         ORDER BY n.code COLLATE "C"
        """
    ),
    # Members located in more than one area, or a polygon with more than the tolerance outside its
    # main area. Evidence: practices and list sizes per area, polygon shares per area.
    "cross_boundary_geographic": sql.SQL(
        """
        WITH member_area AS MATERIALIZED (
            SELECT mb.network_id, pa.area_id, count(*)::int AS practices,
                   coalesce(sum(mb.list_size), 0)::bigint AS list_size,
                   count(*) FILTER (WHERE mb.list_size IS NULL)::int AS unknown_list_sizes,
                   array_agg(mb.ods_code ORDER BY mb.ods_code COLLATE "C") AS practice_codes
              FROM members mb
              JOIN practice_areas pa ON pa.practice_id = mb.practice_id AND pa.boundary_set_id = %(bs_id)s
             GROUP BY mb.network_id, pa.area_id
        ), flagged AS MATERIALIZED (
            -- Decide first from counts and shares; build the JSON evidence only for the flagged networks.
            SELECT n.id, n.code, n.name, n.lead_commissioner_code, n.has_polygon,
                   coalesce(mc.member_area_count, 0) AS member_area_count, ms.main_share
              FROM scoped n
              LEFT JOIN (SELECT network_id, count(*)::int AS member_area_count FROM member_area
                          GROUP BY network_id) mc ON mc.network_id = n.id
              LEFT JOIN (SELECT s.network_id, max(s.share) AS main_share FROM network_area_shares s
                          WHERE s.boundary_set_id = %(bs_id)s GROUP BY s.network_id) ms ON ms.network_id = n.id
             WHERE coalesce(mc.member_area_count, 0) > 1
                OR (n.has_polygon AND 1 - coalesce(ms.main_share, 0) > %(cross_boundary_tolerance)s)
        )
        SELECT f.code, f.name, f.lead_commissioner_code, f.member_area_count, bm.member_areas,
               CASE WHEN f.has_polygon THEN round((1 - coalesce(f.main_share, 0))::numeric, 4) END
                   AS polygon_share_outside_main_area,
               bp.polygon_areas,
               (f.member_area_count > 1) AS members_in_several_areas,
               (f.has_polygon AND 1 - coalesce(f.main_share, 0) > %(cross_boundary_tolerance)s)
                   AS polygon_outside_main_area
          FROM flagged f
          LEFT JOIN (
                SELECT l.network_id,
                       json_agg(json_build_object('area_ods_code', a.ods_code, 'area_gss_code', a.gss_code,
                                                  'area_name', a.name, 'practices', l.practice_codes,
                                                  'practice_count', l.practices, 'list_size', l.list_size,
                                                  'unknown_list_sizes', l.unknown_list_sizes)
                                ORDER BY l.list_size DESC, a.id) AS member_areas
                  FROM member_area l JOIN areas a ON a.id = l.area_id
                 WHERE l.network_id IN (SELECT id FROM flagged WHERE member_area_count > 1)
                 GROUP BY l.network_id
               ) bm ON bm.network_id = f.id
          LEFT JOIN (
                SELECT s.network_id,
                       json_agg(json_build_object('area_ods_code', a.ods_code, 'area_gss_code', a.gss_code,
                                                  'area_name', a.name, 'share', round(s.share::numeric, 4),
                                                  'area_m2', round(s.area_m2::numeric))
                                ORDER BY s.share DESC, a.id) AS polygon_areas
                  FROM network_area_shares s JOIN areas a ON a.id = s.area_id
                 WHERE s.boundary_set_id = %(bs_id)s AND s.network_id IN (SELECT id FROM flagged WHERE has_polygon)
                 GROUP BY s.network_id
               ) bp ON bp.network_id = f.id
         ORDER BY f.code COLLATE "C"
        """
    ),
    # Population (sum of current members' known list sizes) outside [min, max].
    "size_band": sql.SQL(
        """
        SELECT code, name, lead_commissioner_code, member_count, population, unknown_list_sizes,
               unknown_list_size_practices, unknown_list_sizes > 0 AS population_is_lower_bound,
               CASE WHEN population < %(min)s THEN 'undersized' ELSE 'oversized' END AS finding
          FROM population
         WHERE population < %(min)s OR population > %(max)s
         ORDER BY code COLLATE "C"
        """
    ),
    # At least one current member whose list size is unknown.
    "unknown_list_sizes": sql.SQL(
        """
        SELECT code, name, member_count, population AS known_population, unknown_list_sizes,
               unknown_list_size_practices
          FROM population WHERE unknown_list_sizes > 0 ORDER BY code COLLATE "C"
        """
    ),
    # The largest member holds at least the dominance share; the pairwise picture is the largest
    # practice beside the rest of the group.
    "dominance": sql.SQL(
        """
        SELECT code, name, member_count, population, largest_code AS largest_practice_code,
               largest_name AS largest_practice_name, largest_list_size,
               round(largest_list_size::numeric / population, 4) AS largest_share,
               population - largest_list_size AS rest_population, member_count - 1 AS rest_member_count,
               second_code AS second_practice_code, second_list_size, unknown_list_sizes
          FROM population
         WHERE population > 0 AND largest_list_size::numeric / population >= %(dominance)s
         ORDER BY code COLLATE "C"
        """
    ),
    # Share of patients at practices offering extended hours (over members whose offer is known)
    # below the threshold; with a threshold of 1, any member known not to offer is a finding.
    "extended_hours_coverage": sql.SQL(
        """
        SELECT code, name, member_count, population, covered_population, known_hours_population,
               CASE WHEN known_hours_population > 0
                    THEN round(covered_population::numeric / known_hours_population, 4) END AS coverage,
               not_offering AS practices_not_offering, hours_unknown AS practices_offer_unknown
          FROM population
         WHERE (known_hours_population > 0
                AND covered_population::numeric / known_hours_population < %(extended_hours)s)
            OR (%(extended_hours)s >= 1 AND cardinality(not_offering) > 0)
         ORDER BY code COLLATE "C"
        """
    ),
    "invalid_polygons": sql.SQL(
        """
        SELECT code, name, 'invalid_polygon' AS kind FROM scoped
         WHERE has_polygon AND geom_made_valid ORDER BY code COLLATE "C"
        """
    ),
    # Pairs of the scenario's polygons overlapping by at least overlap_min_m2.
    "overlaps": sql.SQL(
        """
        SELECT a.code, a.name, 'overlap' AS kind, b.code AS other_code, b.name AS other_name,
               round(o.overlap_m2::numeric) AS overlap_m2,
               round((o.overlap_m2 / nullif(ga.area_m2, 0))::numeric, 4) AS share_of_network,
               round((o.overlap_m2 / nullif(gb.area_m2, 0))::numeric, 4) AS share_of_other
          FROM network_overlaps o
          JOIN networks a ON a.id = o.network_a
          JOIN networks b ON b.id = o.network_b
          JOIN network_geometry ga ON ga.network_id = a.id
          JOIN network_geometry gb ON gb.network_id = b.id
         WHERE o.scenario_id = %(scenario_id)s AND o.overlap_m2 >= %(overlap_min_m2)s
           AND (%(area_id)s::integer IS NULL
                OR o.network_a IN (SELECT id FROM scoped) OR o.network_b IN (SELECT id FROM scoped))
         ORDER BY a.code COLLATE "C", b.code COLLATE "C"
        """
    ),
    # Current members further than outside_tolerance_m from their own network's polygon.
    "members_outside_polygon": sql.SQL(
        """
        SELECT mb.ods_code AS code, mb.practice_name AS name, 'member_outside_polygon' AS kind,
               mb.network_code, mb.network_name, round(d.distance_m::numeric, 1) AS distance_m
          FROM members mb JOIN membership_polygon_distance d ON d.membership_id = mb.membership_id
         WHERE d.distance_m > %(outside_tolerance_m)s
         ORDER BY mb.ods_code COLLATE "C", mb.network_code COLLATE "C"
        """
    ),
    # Areas with parts (each at least gap_min_m2) covered by no network polygon of the scenario.
    "area_gaps": sql.SQL(
        """
        SELECT coalesce(a.ods_code, a.gss_code) AS code, a.name, 'area_gap' AS kind, a.ods_code AS area_ods_code,
               a.gss_code AS area_gss_code, count(*)::int AS gap_parts, round(sum(g.gap_m2)::numeric) AS gap_m2,
               round((sum(g.gap_m2) / nullif(max(ag.area_m2), 0))::numeric, 4) AS share_of_area
          FROM area_gaps g
          JOIN areas a ON a.id = g.area_id
          LEFT JOIN area_geometry ag ON ag.area_id = a.id
         WHERE g.scenario_id = %(scenario_id)s AND a.boundary_set_id = %(bs_id)s
           AND g.gap_m2 >= %(gap_min_m2)s
           AND (%(area_id)s::integer IS NULL OR a.id = %(area_id)s)
         GROUP BY a.id
         ORDER BY coalesce(a.ods_code, a.gss_code) COLLATE "C"
        """
    ),
    # Practices (active GP practices, and any current member) without a location, without a list
    # size, or whose list size is older than stale_before.
    "data_gaps": sql.SQL(
        """
        SELECT p.ods_code AS code, p.name, k.kind, p.postcode, p.list_size_date
          FROM practices p
          CROSS JOIN LATERAL (VALUES ('no_location', p.location IS NULL),
                                     ('no_list_size', p.list_size IS NULL),
                                     ('stale_list_size', p.list_size IS NOT NULL
                                                         AND p.list_size_date < %(stale_before)s)) AS k (kind, hit)
         WHERE (p.location IS NULL OR p.list_size IS NULL OR p.list_size_date < %(stale_before)s)
           AND k.hit AND {relevant} AND {practice_in_scope}
         ORDER BY k.kind, p.ods_code COLLATE "C"
        """
    ).format(relevant=_RELEVANT_PRACTICE, practice_in_scope=_PRACTICE_IN_SCOPE),
}

# Summary counts: check -> json_build_object arguments aggregating that check's rows ``x``
# (each check runs once).
SUMMARY_COUNTS: dict[str, sql.Composable] = {
    "orphaned_practices": sql.SQL("'orphaned_practices', count(*)"),
    "multiply_assigned_practices": sql.SQL("'multiply_assigned_practices', count(*)"),
    "cross_boundary_administrative": sql.SQL("'cross_boundary_administrative', count(*)"),
    "size_band": sql.SQL(
        "'undersized_networks', count(*) FILTER (WHERE x.finding = 'undersized'),"
        " 'oversized_networks', count(*) FILTER (WHERE x.finding = 'oversized')"
    ),
    "dominance": sql.SQL("'dominated_networks', count(*)"),
    "extended_hours_coverage": sql.SQL("'extended_hours_gaps', count(*)"),
    "unknown_list_sizes": sql.SQL("'networks_with_unknown_list_sizes', count(*)"),
    "data_gaps": sql.SQL(
        "'practices_without_location', count(*) FILTER (WHERE x.kind = 'no_location'),"
        " 'practices_without_list_size', count(*) FILTER (WHERE x.kind = 'no_list_size'),"
        " 'practices_with_stale_list_size', count(*) FILTER (WHERE x.kind = 'stale_list_size')"
    ),
    "members_outside_polygon": sql.SQL("'members_outside_network_polygon', count(DISTINCT x.code)"),
    "invalid_polygons": sql.SQL("'invalid_network_polygons', count(*)"),
    "area_gaps": sql.SQL("'areas_with_gaps', count(*)"),
}

# Geographic cross-boundary count without building the evidence (areas, practices, shares).
_GEOGRAPHIC_COUNT = sql.SQL(
    """(SELECT json_build_object('cross_boundary_geographic', count(*))
          FROM scoped n
          LEFT JOIN (SELECT mb.network_id, min(pa.area_id) <> max(pa.area_id) AS several
                       FROM members mb
                       JOIN practice_areas pa ON pa.practice_id = mb.practice_id AND pa.boundary_set_id = %(bs_id)s
                      GROUP BY mb.network_id) bm ON bm.network_id = n.id
          LEFT JOIN (SELECT s.network_id, max(s.share) AS main_share FROM network_area_shares s
                      WHERE s.boundary_set_id = %(bs_id)s GROUP BY s.network_id) bp ON bp.network_id = n.id
         WHERE coalesce(bm.several, false)
            OR (n.has_polygon AND 1 - coalesce(bp.main_share, 0) > %(cross_boundary_tolerance)s))"""
)

# Overlap counts without building the evidence (names, shares) of every pair.
_OVERLAP_COUNTS = sql.SQL(
    """(SELECT json_build_object('overlapping_pairs', count(*),
                                 'overlapping_networks', (SELECT count(DISTINCT c) FROM pairs, LATERAL
                                                          (VALUES (pairs.network_a), (pairs.network_b)) v (c)))
          FROM pairs)"""
)
_OVERLAP_PAIRS = sql.SQL(
    """pairs AS MATERIALIZED (
        SELECT o.network_a, o.network_b FROM network_overlaps o
         WHERE o.scenario_id = %(scenario_id)s AND o.overlap_m2 >= %(overlap_min_m2)s
           AND (%(area_id)s::integer IS NULL
                OR o.network_a IN (SELECT id FROM scoped) OR o.network_b IN (SELECT id FROM scoped))
    )"""
)


# Networks and active GP practices in scope, as json_build_object arguments.
_SCOPE_COUNTS = sql.SQL(
    """'networks', (SELECT count(*) FROM scoped)::int,
       'practices', (SELECT count(*) FROM practices p
                      WHERE p.status = 'active' AND p.prescribing_setting = 4 AND {practice_in_scope})::int"""
).format(practice_in_scope=_PRACTICE_IN_SCOPE)


# These statements are cheap but long: their cost estimate crosses jit_above_cost, and compiling them
# with LLVM takes longer (seconds, on a busy machine) than running them (milliseconds). ``SET LOCAL`` in
# the same query string also holds on autocommit connections (one implicit transaction).
_NO_JIT = sql.SQL("SET LOCAL jit = off; ")


def _fetch_json(conn, query: sql.Composable, values: dict) -> dict:
    with conn.cursor() as cur:
        cur.execute(_NO_JIT + query, values)
        return json.loads(cur.fetchone()[0])


def items(conn, values: dict, checks: list[str] | None = None) -> dict:
    """Rows of the given checks (default all) as ``{check: [row, ...]}``, plus ``_counts`` (networks and
    practices in scope), in one statement: one output row per check, its rows aggregated to JSON."""
    parts = [
        sql.SQL("SELECT {name}, (SELECT coalesce(json_agg(x), '[]'::json) FROM ({query}) x)::text").format(
            name=sql.Literal(name), query=CHECK_QUERIES[name]
        )
        for name in checks or list(CHECK_QUERIES)
    ]
    parts.append(sql.SQL("SELECT '_counts', json_build_object({sc})::text").format(sc=_SCOPE_COUNTS))
    query = sql.SQL("WITH {ctes} {parts}").format(ctes=_CTES, parts=sql.SQL(" UNION ALL ").join(parts))
    with conn.cursor() as cur:
        cur.execute(_NO_JIT + query, values)
        return {name: json.loads(text) for name, text in cur.fetchall()}


def summary_counts(conn, values: dict) -> dict:
    """The summary counts only (no rows leave the database), plus networks and practices in scope."""
    parts = [
        sql.SQL("(SELECT json_build_object({agg}) FROM ({query}) x)").format(agg=agg, query=CHECK_QUERIES[check])
        for check, agg in SUMMARY_COUNTS.items()
    ]
    parts.append(_OVERLAP_COUNTS)
    parts.append(_GEOGRAPHIC_COUNT)
    parts.append(sql.SQL("json_build_object({sc})").format(sc=_SCOPE_COUNTS))
    query = sql.SQL("WITH {ctes}, {pairs} SELECT json_build_array({parts})::text").format(
        ctes=_CTES, pairs=_OVERLAP_PAIRS, parts=sql.SQL(", ").join(parts)
    )
    merged: dict = {}
    for part in _fetch_json(conn, query, values):
        merged.update(part)
    return merged
