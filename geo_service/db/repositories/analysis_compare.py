"""SQL for comparing two scenarios and for one network's detail."""

from __future__ import annotations

from geo_service.db.pool import dict_cursor


def current_memberships(conn, scenario_id: int) -> list[dict]:
    """(practice code, network code) for every current membership of the scenario."""
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT p.ods_code AS practice_code, p.name AS practice_name, n.code AS network_code"
            "  FROM memberships m JOIN networks n ON n.id = m.network_id JOIN practices p ON p.id = m.practice_id"
            " WHERE m.scenario_id = %(s)s AND (m.end_date IS NULL OR m.end_date >= current_date) ORDER BY 1, 3",
            {"s": scenario_id},
        )
        return cur.fetchall()


def network_populations(conn, scenario_id: int) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT n.code, n.name, count(p.id)::int AS member_count,
                   coalesce(sum(p.list_size), 0)::bigint AS population,
                   count(p.id) FILTER (WHERE p.id IS NOT NULL AND p.list_size IS NULL)::int AS unknown_list_sizes
              FROM networks n
              LEFT JOIN memberships m ON m.network_id = n.id AND (m.end_date IS NULL OR m.end_date >= current_date)
              LEFT JOIN practices p ON p.id = m.practice_id
             WHERE n.scenario_id = %(s)s
             GROUP BY n.id ORDER BY n.code
            """,
            {"s": scenario_id},
        )
        return cur.fetchall()


def area_populations(conn, scenario_id: int, boundary_set_id: int) -> list[dict]:
    """Per area: patients of practices that are current members of a network of the scenario
    (a practice counts in the area it is located in) and the number of member practices."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            WITH members AS (
                SELECT DISTINCT p.id, p.list_size FROM memberships m JOIN practices p ON p.id = m.practice_id
                 WHERE m.scenario_id = %(s)s AND (m.end_date IS NULL OR m.end_date >= current_date)
            )
            SELECT a.ods_code, a.gss_code, a.name, count(mb.id)::int AS member_practices,
                   coalesce(sum(mb.list_size), 0)::bigint AS population
              FROM areas a
              LEFT JOIN practice_areas pa ON pa.area_id = a.id
              LEFT JOIN members mb ON mb.id = pa.practice_id
             WHERE a.boundary_set_id = %(bs)s
             GROUP BY a.id ORDER BY coalesce(a.ods_code, a.gss_code)
            """,
            {"s": scenario_id, "bs": boundary_set_id},
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


def network_members(conn, network_id: int, boundary_set_id: int) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT p.ods_code AS code, p.name, p.postcode, p.commissioner_code, p.status, p.list_size,
                   p.list_size_date, p.extended_hours, m.start_date, m.end_date,
                   ST_X(p.location) AS longitude, ST_Y(p.location) AS latitude,
                   a.ods_code AS area_ods_code, a.gss_code AS area_gss_code, a.name AS area_name
              FROM memberships m
              JOIN practices p ON p.id = m.practice_id
              LEFT JOIN practice_areas pa ON pa.practice_id = p.id AND pa.boundary_set_id = %(bs)s
              LEFT JOIN areas a ON a.id = pa.area_id
             WHERE m.network_id = %(n)s AND (m.end_date IS NULL OR m.end_date >= current_date)
             ORDER BY p.list_size DESC NULLS LAST, p.ods_code
            """,
            {"n": network_id, "bs": boundary_set_id},
        )
        return cur.fetchall()
