"""Read-only listings of what is loaded: datasets, boundary sets, areas, scenarios, with counts.

Every listing names its dataset; counts of practices are read through the scope fragments (practice state
of one register and postcode extract), never from all facts at once.
"""

from __future__ import annotations

from psycopg2 import sql

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories import scope


def datasets(conn) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT dataset FROM (SELECT dataset FROM extracts UNION SELECT dataset FROM boundary_sets
                                    UNION SELECT dataset FROM scenarios) d
                ORDER BY dataset = 'synthetic', dataset"""
        )
        return [r[0] for r in cur.fetchall()]


def areas(conn, values: dict) -> list[dict]:
    """Areas of the boundary set ``bs_id`` with their active GP practices (of the register extract
    ``register_extract_id``, placed by the postcode extract ``location_extract_id``): commissioned by the area
    or located in it."""
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            WITH {ps},
            placed AS (
                SELECT a.id AS area_id, ps.practice_id FROM ps
                  JOIN areas a ON a.boundary_set_id = %(bs_id)s AND a.ods_code = ps.commissioner_code
                 WHERE {in_scope}
                UNION
                SELECT pa.area_id, ps.practice_id FROM ps
                  JOIN point_areas pa ON pa.point_id = ps.point_id AND pa.boundary_set_id = %(bs_id)s
                 WHERE {in_scope}
            )
            SELECT a.ods_code, a.gss_code, a.name, count(pl.practice_id)::int AS practice_count
              FROM areas a LEFT JOIN placed pl ON pl.area_id = a.id
             WHERE a.boundary_set_id = %(bs_id)s
             GROUP BY a.id ORDER BY a.name
            """
            ).format(ps=scope.practice_state_cte("ps"), in_scope=scope.in_scope_practice("ps")),
            values,
        )
        return cur.fetchall()


def scenario_counts(conn, values: dict) -> dict:
    """Networks and current memberships of the scope's scenario as of its date."""
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """SELECT (SELECT count(*)::int FROM networks n WHERE n.scenario_id = %(scenario_id)s) AS network_count,
                          (SELECT count(*)::int FROM memberships m WHERE m.scenario_id = %(scenario_id)s
                              AND {current}) AS membership_count"""
            ).format(current=scope.current_membership("m")),
            values,
        )
        return cur.fetchone()
