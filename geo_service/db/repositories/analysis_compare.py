"""SQL for comparing two scenarios and for one network's detail, each read in its own scope
(``Scope.values()``: practice state as of that scenario, its current memberships)."""

from __future__ import annotations

from psycopg2 import sql

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories import scope

_WITH_PS = sql.SQL("WITH {ps} ").format(ps=scope.practice_state_cte("ps"))
_CURRENT = scope.current_membership("m")


def current_memberships(conn, values: dict) -> list[dict]:
    """(practice code, name, network code and name) for every current membership of the scope's scenario, with
    ``in_area``: the practice is in the scope's area (by location; always true without an area)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            _WITH_PS
            + sql.SQL(
                """SELECT ps.ods_code AS practice_code, ps.name AS practice_name, n.code AS network_code,
                          n.name AS network_name, {in_area} AS in_area
                     FROM memberships m JOIN networks n ON n.id = m.network_id JOIN ps ON ps.practice_id = m.practice_id
                    WHERE m.scenario_id = %(scenario_id)s AND {current} ORDER BY 1, 3"""
            ).format(current=_CURRENT, in_area=scope.practice_in_area("ps")),
            values,
        )
        return cur.fetchall()


def area_overlaps(conn, from_set_id: int, to_set_id: int) -> list[dict]:
    """How the areas of one boundary set map onto another's, measured by location: per pair of areas, the
    number of postcode points (practice locations) that lie in both. Pairs sharing no point are absent."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT fa.id AS from_id, coalesce(fa.ods_code, fa.gss_code) AS from_code, fa.name AS from_name,
                   ta.id AS to_id, coalesce(ta.ods_code, ta.gss_code) AS to_code, ta.name AS to_name,
                   count(*)::int AS points
              FROM point_areas f
              JOIN point_areas t ON t.point_id = f.point_id AND t.boundary_set_id = %(to_set)s
              JOIN areas fa ON fa.id = f.area_id
              JOIN areas ta ON ta.id = t.area_id
             WHERE f.boundary_set_id = %(from_set)s
             GROUP BY fa.id, ta.id ORDER BY 2, 5
            """,
            {"from_set": from_set_id, "to_set": to_set_id},
        )
        return cur.fetchall()


def network_populations(conn, values: dict) -> list[dict]:
    """Per network of the scope's scenario: current members, patients, and ``in_area`` (the network is in the
    scope's area: led from it or with a current member located in it)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            _WITH_PS
            + sql.SQL(
                """
            SELECT n.code, n.name, count(ps.practice_id)::int AS member_count,
                   coalesce(sum(ps.list_size), 0)::bigint AS population,
                   count(ps.practice_id) FILTER (WHERE ps.list_size IS NULL)::int AS unknown_list_sizes,
                   bool_or({in_area}) AS in_area
              FROM networks n
              LEFT JOIN memberships m ON m.network_id = n.id AND {current}
              LEFT JOIN ps ON ps.practice_id = m.practice_id
             WHERE n.scenario_id = %(scenario_id)s
             GROUP BY n.id ORDER BY n.code
            """
            ).format(current=_CURRENT, in_area=scope.network_in_area("n")),
            values,
        )
        return cur.fetchall()


def area_populations(conn, values: dict) -> list[dict]:
    """Per area of the scope's boundary set: patients of practices that are current members of a network of
    the scenario (a practice counts in the area it is located in) and the number of member practices."""
    with dict_cursor(conn) as cur:
        cur.execute(
            _WITH_PS
            + sql.SQL(
                """,
            members AS (
                SELECT DISTINCT ps.practice_id, ps.point_id, ps.list_size
                  FROM memberships m JOIN ps ON ps.practice_id = m.practice_id
                 WHERE m.scenario_id = %(scenario_id)s AND {current}
            )
            SELECT a.ods_code, a.gss_code, a.name, count(mb.practice_id)::int AS member_practices,
                   coalesce(sum(mb.list_size), 0)::bigint AS population
              FROM areas a
              LEFT JOIN point_areas pa ON pa.area_id = a.id
              LEFT JOIN members mb ON mb.point_id = pa.point_id
             WHERE a.boundary_set_id = %(bs_id)s
             GROUP BY a.id ORDER BY coalesce(a.ods_code, a.gss_code)
            """
            ).format(current=_CURRENT),
            values,
        )
        return cur.fetchall()


def network(conn, scenario_id: int, code: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT n.id, n.code, n.name, n.lead_commissioner_code, n.geom IS NOT NULL AS has_polygon,
                   n.geom_made_valid, round(g.area_m2::numeric) AS polygon_area_m2
              FROM networks n LEFT JOIN network_geometry g ON g.network_id = n.id
             WHERE n.scenario_id = %(s)s AND upper(n.code) = upper(%(code)s)
            """,
            {"s": scenario_id, "code": code},
        )
        return cur.fetchone()


def network_members(conn, values: dict, network_id: int) -> list[dict]:
    """The network's current members as of the scope, with their area in the scope's boundary set."""
    with dict_cursor(conn) as cur:
        cur.execute(
            _WITH_PS
            + sql.SQL(
                """
            SELECT ps.ods_code AS code, ps.name, ps.postcode, ps.commissioner_code, ps.status, ps.list_size,
                   ps.list_size_date, ps.extended_hours, m.start_date, m.end_date,
                   ST_X(ps.location) AS longitude, ST_Y(ps.location) AS latitude,
                   a.ods_code AS area_ods_code, a.gss_code AS area_gss_code, a.name AS area_name
              FROM memberships m
              JOIN ps ON ps.practice_id = m.practice_id
              LEFT JOIN point_areas pa ON pa.point_id = ps.point_id AND pa.boundary_set_id = %(bs_id)s
              LEFT JOIN areas a ON a.id = pa.area_id
             WHERE m.network_id = %(network_id)s AND {current}
             ORDER BY ps.list_size DESC NULLS LAST, ps.ods_code
            """
            ).format(current=_CURRENT),
            {**values, "network_id": network_id},
        )
        return cur.fetchall()


def practice_presence(conn, values: dict, codes: list[str]) -> dict[str, dict]:
    """For these practice codes, what the scope says of them on its date: ``exists`` (an open GP practice known
    to exist then: ``active_gp`` of the practice state), ``in_register``, ``status``. A code absent from the
    result is not known to exist on the date (closed, or not yet open)."""
    if not codes:
        return {}
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL("WITH {ps} ").format(ps=scope.practice_state_cte("ps", with_location=False))
            + sql.SQL(
                """SELECT ps.ods_code, ps.active_gp AS exists, ps.in_register, ps.status, ps.in_nation
                     FROM ps WHERE ps.ods_code = ANY (%(codes)s::text[])"""
            ),
            {**values, "codes": list(codes)},
        )
        return {r["ods_code"]: r for r in cur.fetchall()}
