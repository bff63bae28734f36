"""SQL for the rule engine: one set-based query per check, over all networks of a scenario.

Every function takes the query values as one dict (bound as ``%(name)s``):
``scenario_id``, ``bs_id`` (boundary set), ``area_id``/``area_ods`` (NULL for no area filter) and the
check's thresholds. Geometry work is read from the derived tables kept by migration 0010
(``practice_areas``, ``network_area_shares``, ``network_overlaps``, ``area_gaps``), so these
queries only join and aggregate.

Scope when an area is given: a practice is in scope when its commissioner is the area or it is
located in the area; a network when its lead commissioner is the area, a current member is in
scope, or more than the cross-boundary tolerance of its polygon lies in the area.
"""

from __future__ import annotations

from psycopg2 import sql

from geo_service.db.pool import dict_cursor

_CURRENT = sql.SQL("(m.end_date IS NULL OR m.end_date >= current_date)")

_PRACTICE_IN_SCOPE = sql.SQL(
    """(%(area_id)s::integer IS NULL
        OR p.commissioner_code = %(area_ods)s
        OR EXISTS (SELECT 1 FROM practice_areas spa WHERE spa.practice_id = p.id
                      AND spa.boundary_set_id = %(bs_id)s AND spa.area_id = %(area_id)s))"""
)

# The scenario's networks in scope, as a CTE named ``scoped``.
_SCOPED_NETWORKS = sql.SQL(
    """scoped AS (
        SELECT n.* FROM networks n
         WHERE n.scenario_id = %(scenario_id)s
           AND (%(area_id)s::integer IS NULL
                OR n.lead_commissioner_code = %(area_ods)s
                OR EXISTS (SELECT 1 FROM memberships m JOIN practices p ON p.id = m.practice_id
                            WHERE m.network_id = n.id AND {current} AND {practice_in_scope})
                OR EXISTS (SELECT 1 FROM network_area_shares s WHERE s.network_id = n.id
                              AND s.area_id = %(area_id)s AND s.share > %(cross_boundary_tolerance)s))
    )"""
).format(current=_CURRENT, practice_in_scope=_PRACTICE_IN_SCOPE)

# Current members of the scoped networks, with list size facts, as a CTE named ``members``.
_MEMBERS = sql.SQL(
    """members AS (
        SELECT n.id AS network_id, n.code AS network_code, n.name AS network_name,
               n.lead_commissioner_code AS lead, p.id AS practice_id, p.ods_code, p.name AS practice_name,
               p.commissioner_code, p.list_size, p.extended_hours, p.location
          FROM scoped n
          JOIN memberships m ON m.network_id = n.id AND m.scenario_id = %(scenario_id)s AND {current}
          JOIN practices p ON p.id = m.practice_id
    )"""
).format(current=_CURRENT)

_WITH_MEMBERS = sql.SQL("WITH {}, {}").format(_SCOPED_NETWORKS, _MEMBERS)


def _rows(conn, query: sql.Composable, values: dict) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(query, values)
        return cur.fetchall()


# ---- membership -----------------------------------------------------------------------------


def orphaned_practices(conn, values: dict) -> list[dict]:
    """Active GP practices with no current membership in the scenario."""
    query = sql.SQL(
        """
        SELECT p.ods_code AS code, p.name, p.postcode, p.commissioner_code, p.list_size,
               a.ods_code AS area_ods_code, a.gss_code AS area_gss_code, a.name AS area_name
          FROM practices p
          LEFT JOIN practice_areas pa ON pa.practice_id = p.id AND pa.boundary_set_id = %(bs_id)s
          LEFT JOIN areas a ON a.id = pa.area_id
         WHERE p.status = 'active' AND coalesce(p.prescribing_setting, 4) = 4
           AND NOT EXISTS (SELECT 1 FROM memberships m
                            WHERE m.scenario_id = %(scenario_id)s AND m.practice_id = p.id AND {current})
           AND {practice_in_scope}
         ORDER BY p.ods_code
        """
    ).format(current=_CURRENT, practice_in_scope=_PRACTICE_IN_SCOPE)
    return _rows(conn, query, values)


def multiply_assigned_practices(conn, values: dict) -> list[dict]:
    """Practices with current memberships in more than one network of the scenario."""
    query = sql.SQL(
        """
        SELECT p.ods_code AS code, p.name, p.commissioner_code,
               json_agg(json_build_object('code', n.code, 'name', n.name) ORDER BY n.code) AS networks
          FROM memberships m
          JOIN networks n ON n.id = m.network_id
          JOIN practices p ON p.id = m.practice_id
         WHERE m.scenario_id = %(scenario_id)s AND {current} AND {practice_in_scope}
         GROUP BY p.id
        HAVING count(DISTINCT m.network_id) > 1
         ORDER BY p.ods_code
        """
    ).format(current=_CURRENT, practice_in_scope=_PRACTICE_IN_SCOPE)
    return _rows(conn, query, values)


# ---- cross-boundary -------------------------------------------------------------------------


def cross_boundary_administrative(conn, values: dict) -> list[dict]:
    """Networks whose members' commissioners differ, or differ from the network's lead commissioner."""
    query = sql.SQL(
        """
        {with_members}
        SELECT network_code AS code, network_name AS name, lead AS lead_commissioner_code,
               array_agg(DISTINCT commissioner_code ORDER BY commissioner_code)
                   FILTER (WHERE commissioner_code IS NOT NULL) AS commissioner_codes,
               coalesce(json_agg(json_build_object('code', ods_code, 'name', practice_name,
                                                   'commissioner_code', commissioner_code) ORDER BY ods_code)
                        FILTER (WHERE commissioner_code <> coalesce(lead, commissioner_code)
                                   OR (lead IS NULL AND commissioner_code IS NOT NULL)), '[]') AS members
          FROM members
         GROUP BY network_id, network_code, network_name, lead
        HAVING count(DISTINCT commissioner_code) > 1 OR bool_or(commissioner_code <> lead)
         ORDER BY network_code
        """
    ).format(with_members=_WITH_MEMBERS)
    rows = _rows(conn, query, values)
    for row in rows:
        # With no lead commissioner, every member is evidence; otherwise only those who differ.
        if row["lead_commissioner_code"] is not None:
            row["members"] = [m for m in row["members"] if m["commissioner_code"] != row["lead_commissioner_code"]]
    return rows


def cross_boundary_geographic(conn, values: dict) -> list[dict]:
    """Networks with members located in more than one area, or a polygon whose share outside its main
    area exceeds the tolerance."""
    query = sql.SQL(
        """
        {with_members},
        located AS (
            SELECT mb.network_id, pa.area_id, count(*)::int AS practices,
                   coalesce(sum(mb.list_size), 0)::bigint AS list_size,
                   count(*) FILTER (WHERE mb.list_size IS NULL)::int AS unknown_list_sizes,
                   array_agg(mb.ods_code ORDER BY mb.ods_code) AS practice_codes
              FROM members mb
              JOIN practice_areas pa ON pa.practice_id = mb.practice_id AND pa.boundary_set_id = %(bs_id)s
             GROUP BY mb.network_id, pa.area_id
        ),
        by_members AS (
            SELECT l.network_id, count(*)::int AS member_area_count,
                   json_agg(json_build_object('area_ods_code', a.ods_code, 'area_gss_code', a.gss_code,
                                              'area_name', a.name, 'practices', l.practice_codes,
                                              'practice_count', l.practices, 'list_size', l.list_size,
                                              'unknown_list_sizes', l.unknown_list_sizes)
                            ORDER BY l.list_size DESC, a.id) AS member_areas
              FROM located l JOIN areas a ON a.id = l.area_id
             GROUP BY l.network_id
        ),
        by_polygon AS (
            SELECT s.network_id, max(s.share) AS main_share,
                   json_agg(json_build_object('area_ods_code', a.ods_code, 'area_gss_code', a.gss_code,
                                              'area_name', a.name, 'share', round(s.share::numeric, 4),
                                              'area_m2', round(s.area_m2::numeric))
                            ORDER BY s.share DESC, a.id) AS polygon_areas
              FROM network_area_shares s JOIN areas a ON a.id = s.area_id
             WHERE s.boundary_set_id = %(bs_id)s AND s.network_id IN (SELECT id FROM scoped)
             GROUP BY s.network_id
        )
        SELECT n.code, n.name, n.lead_commissioner_code,
               coalesce(bm.member_area_count, 0) AS member_area_count, bm.member_areas,
               CASE WHEN n.geom IS NULL THEN NULL
                    ELSE round((1 - coalesce(bp.main_share, 0))::numeric, 4) END AS polygon_share_outside_main_area,
               bp.polygon_areas,
               (coalesce(bm.member_area_count, 0) > 1) AS members_in_several_areas,
               (n.geom IS NOT NULL AND 1 - coalesce(bp.main_share, 0) > %(cross_boundary_tolerance)s)
                   AS polygon_outside_main_area
          FROM scoped n
          LEFT JOIN by_members bm ON bm.network_id = n.id
          LEFT JOIN by_polygon bp ON bp.network_id = n.id
         WHERE coalesce(bm.member_area_count, 0) > 1
            OR (n.geom IS NOT NULL AND 1 - coalesce(bp.main_share, 0) > %(cross_boundary_tolerance)s)
         ORDER BY n.code
        """
    ).format(with_members=_WITH_MEMBERS)
    return _rows(conn, query, values)


# ---- population: size band, dominance, extended hours -----------------------------------------

_NETWORK_POPULATION = sql.SQL(
    """
    {with_members},
    ranked AS (
        SELECT mb.*, row_number() OVER (PARTITION BY network_id
                                        ORDER BY list_size DESC NULLS LAST, ods_code) AS rank
          FROM members mb
    ),
    population AS (
        SELECT n.id AS network_id, n.code, n.name, n.lead_commissioner_code,
               count(r.practice_id)::int AS member_count,
               coalesce(sum(r.list_size), 0)::bigint AS population,
               count(r.practice_id) FILTER (WHERE r.list_size IS NULL)::int AS unknown_list_sizes,
               coalesce(array_agg(r.ods_code ORDER BY r.ods_code) FILTER (WHERE r.list_size IS NULL
                                                                         AND r.practice_id IS NOT NULL),
                        '{{}}') AS unknown_list_size_practices,
               max(r.ods_code) FILTER (WHERE r.rank = 1 AND r.list_size IS NOT NULL) AS largest_code,
               max(r.practice_name) FILTER (WHERE r.rank = 1 AND r.list_size IS NOT NULL) AS largest_name,
               max(r.list_size) FILTER (WHERE r.rank = 1) AS largest_list_size,
               max(r.ods_code) FILTER (WHERE r.rank = 2 AND r.list_size IS NOT NULL) AS second_code,
               max(r.list_size) FILTER (WHERE r.rank = 2) AS second_list_size,
               coalesce(sum(r.list_size) FILTER (WHERE r.extended_hours), 0)::bigint AS covered_population,
               coalesce(sum(r.list_size) FILTER (WHERE r.extended_hours IS NOT NULL), 0)::bigint
                   AS known_hours_population,
               coalesce(array_agg(r.ods_code ORDER BY r.ods_code) FILTER (WHERE r.extended_hours = false), '{{}}')
                   AS not_offering,
               coalesce(array_agg(r.ods_code ORDER BY r.ods_code) FILTER (WHERE r.extended_hours IS NULL
                                                                         AND r.practice_id IS NOT NULL),
                        '{{}}') AS hours_unknown
          FROM scoped n LEFT JOIN ranked r ON r.network_id = n.id
         GROUP BY n.id, n.code, n.name, n.lead_commissioner_code
    )
    """
).format(with_members=_WITH_MEMBERS)


def size_band(conn, values: dict) -> list[dict]:
    """Networks whose population (sum of current members' known list sizes) is outside [min, max]."""
    query = sql.SQL(
        """
        {population}
        SELECT code, name, lead_commissioner_code, member_count, population, unknown_list_sizes,
               unknown_list_size_practices,
               CASE WHEN population < %(min)s THEN 'undersized' ELSE 'oversized' END AS finding
          FROM population
         WHERE population < %(min)s OR population > %(max)s
         ORDER BY code
        """
    ).format(population=_NETWORK_POPULATION)
    return _rows(conn, query, values)


def unknown_list_sizes(conn, values: dict) -> list[dict]:
    """Networks with at least one current member whose list size is unknown."""
    query = sql.SQL(
        """
        {population}
        SELECT code, name, member_count, population AS known_population, unknown_list_sizes,
               unknown_list_size_practices
          FROM population WHERE unknown_list_sizes > 0 ORDER BY code
        """
    ).format(population=_NETWORK_POPULATION)
    return _rows(conn, query, values)


def dominance(conn, values: dict) -> list[dict]:
    """Networks whose largest member holds at least the dominance share of the population."""
    query = sql.SQL(
        """
        {population}
        SELECT code, name, member_count, population, largest_code AS largest_practice_code,
               largest_name AS largest_practice_name, largest_list_size,
               round(largest_list_size::numeric / population, 4) AS largest_share,
               population - largest_list_size AS rest_population, member_count - 1 AS rest_member_count,
               second_code AS second_practice_code, second_list_size,
               unknown_list_sizes
          FROM population
         WHERE population > 0 AND largest_list_size::numeric / population >= %(dominance)s
         ORDER BY code
        """
    ).format(population=_NETWORK_POPULATION)
    return _rows(conn, query, values)


def extended_hours(conn, values: dict) -> list[dict]:
    """Networks where the share of patients at practices offering extended hours is below the threshold.

    The share is over members whose offer is known; with a threshold of 1 (every member must offer),
    any member known not to offer is a finding even if its list size is unknown."""
    query = sql.SQL(
        """
        {population}
        SELECT code, name, member_count, population, covered_population, known_hours_population,
               CASE WHEN known_hours_population > 0
                    THEN round(covered_population::numeric / known_hours_population, 4) END AS coverage,
               not_offering AS practices_not_offering, hours_unknown AS practices_offer_unknown
          FROM population
         WHERE (known_hours_population > 0
                AND covered_population::numeric / known_hours_population < %(extended_hours)s)
            OR (%(extended_hours)s >= 1 AND cardinality(not_offering) > 0)
         ORDER BY code
        """
    ).format(population=_NETWORK_POPULATION)
    return _rows(conn, query, values)


# ---- geometry ---------------------------------------------------------------------------------


def invalid_polygons(conn, values: dict) -> list[dict]:
    query = sql.SQL(
        """
        WITH {scoped}
        SELECT code, name FROM scoped WHERE geom IS NOT NULL AND geom_made_valid ORDER BY code
        """
    ).format(scoped=_SCOPED_NETWORKS)
    return _rows(conn, query, values)


def overlaps(conn, values: dict) -> list[dict]:
    """Pairs of the scenario's network polygons overlapping by at least ``overlap_min_m2``."""
    query = sql.SQL(
        """
        WITH {scoped}
        SELECT a.code AS code, a.name AS name, b.code AS other_code, b.name AS other_name,
               round(o.overlap_m2::numeric) AS overlap_m2,
               round((o.overlap_m2 / nullif(ga.area_m2, 0))::numeric, 4) AS share_of_network,
               round((o.overlap_m2 / nullif(gb.area_m2, 0))::numeric, 4) AS share_of_other
          FROM network_overlaps o
          JOIN networks a ON a.id = o.network_a
          JOIN networks b ON b.id = o.network_b
          JOIN network_geometry ga ON ga.network_id = a.id
          JOIN network_geometry gb ON gb.network_id = b.id
         WHERE o.scenario_id = %(scenario_id)s AND o.overlap_m2 >= %(overlap_min_m2)s
           AND (a.id IN (SELECT id FROM scoped) OR b.id IN (SELECT id FROM scoped))
         ORDER BY a.code, b.code
        """
    ).format(scoped=_SCOPED_NETWORKS)
    return _rows(conn, query, values)


def members_outside_polygon(conn, values: dict) -> list[dict]:
    """Current members located further than ``outside_tolerance_m`` from their own network's polygon."""
    query = sql.SQL(
        """
        {with_members}
        SELECT mb.ods_code AS code, mb.practice_name AS name, mb.network_code, mb.network_name,
               round(ST_Distance(mb.location::geography, n.geom::geography)::numeric, 1) AS distance_m
          FROM members mb JOIN scoped n ON n.id = mb.network_id
         WHERE n.geom IS NOT NULL AND mb.location IS NOT NULL
           AND NOT ST_Intersects(n.geom, mb.location)
           AND NOT ST_DWithin(mb.location::geography, n.geom::geography, %(outside_tolerance_m)s)
         ORDER BY mb.ods_code, mb.network_code
        """
    ).format(with_members=_WITH_MEMBERS)
    return _rows(conn, query, values)


def area_gaps(conn, values: dict) -> list[dict]:
    """Areas with parts (each at least ``gap_min_m2``) covered by no network polygon of the scenario."""
    query = sql.SQL(
        """
        SELECT coalesce(a.ods_code, a.gss_code) AS code, a.name, a.ods_code AS area_ods_code,
               a.gss_code AS area_gss_code, count(*)::int AS gap_parts, round(sum(g.gap_m2)::numeric) AS gap_m2,
               round((sum(g.gap_m2) / nullif(analysis_area_m2(a.geom), 0))::numeric, 4) AS share_of_area
          FROM area_gaps g JOIN areas a ON a.id = g.area_id
         WHERE g.scenario_id = %(scenario_id)s AND a.boundary_set_id = %(bs_id)s
           AND g.gap_m2 >= %(gap_min_m2)s
           AND (%(area_id)s::integer IS NULL OR a.id = %(area_id)s)
         GROUP BY a.id
         ORDER BY 1
        """
    )
    return _rows(conn, query, values)


# ---- data gaps --------------------------------------------------------------------------------


def data_gaps(conn, values: dict) -> list[dict]:
    """Practices (active GP practices, and any current member) without a location, without a list
    size, or whose list size is older than ``stale_before``."""
    query = sql.SQL(
        """
        WITH relevant AS (
            SELECT p.* FROM practices p
             WHERE ((p.status = 'active' AND coalesce(p.prescribing_setting, 4) = 4)
                    OR EXISTS (SELECT 1 FROM memberships m WHERE m.scenario_id = %(scenario_id)s
                                  AND m.practice_id = p.id AND {current}))
               AND {practice_in_scope}
        )
        SELECT ods_code AS code, name, 'no_location' AS kind, postcode, NULL::date AS list_size_date
          FROM relevant WHERE location IS NULL
        UNION ALL
        SELECT ods_code, name, 'no_list_size', postcode, NULL FROM relevant WHERE list_size IS NULL
        UNION ALL
        SELECT ods_code, name, 'stale_list_size', postcode, list_size_date
          FROM relevant WHERE list_size IS NOT NULL AND list_size_date < %(stale_before)s
         ORDER BY 3, 1
        """
    ).format(current=_CURRENT, practice_in_scope=_PRACTICE_IN_SCOPE)
    return _rows(conn, query, values)


def counts(conn, values: dict) -> dict:
    """Networks and practices in scope (for the summary)."""
    query = sql.SQL(
        """
        WITH {scoped}
        SELECT (SELECT count(*) FROM scoped)::int AS networks,
               (SELECT count(*) FROM practices p
                 WHERE p.status = 'active' AND coalesce(p.prescribing_setting, 4) = 4
                   AND {practice_in_scope})::int AS practices
        """
    ).format(scoped=_SCOPED_NETWORKS, practice_in_scope=_PRACTICE_IN_SCOPE)
    return _rows(conn, query, values)[0]
