"""SQL for one practice across scenarios (issue 20, the practice page): who it is, and its state and networks as
of one scenario's own date and extracts.

State is read only through the scope fragments (:mod:`geo_service.db.repositories.scope`): ``values`` is a
resolved scope's ``Scope.values()``."""

from __future__ import annotations

from psycopg2 import sql

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories import scope as scope_sql

_PS = scope_sql.practice_state_cte("ps")
_CURRENT = scope_sql.current_membership("m")
_IN_SCOPE = scope_sql.in_scope_practice("ps")


def practice(conn, ods_code: str) -> dict | None:
    """The practice of this ODS code (any case), with its newest register entry's name and postcode."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT p.id, p.ods_code, r.name, r.postcode, r.status
                 FROM practices p
                 LEFT JOIN LATERAL (
                      SELECT r.name, r.postcode, r.status
                        FROM practice_register r JOIN extracts e ON e.id = r.extract_id
                       WHERE r.practice_id = p.id
                       ORDER BY e.extract_date DESC NULLS LAST, e.id DESC LIMIT 1) r ON true
                WHERE upper(p.ods_code) = upper(%(code)s)""",
            {"code": ods_code},
        )
        return cur.fetchone()


def scenarios_with_practice(conn, practice_id: int) -> list[int]:
    """Ids of the scenarios whose memberships (any date) or kept state name the practice."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT scenario_id FROM memberships WHERE practice_id = %(pid)s
               UNION SELECT scenario_id FROM scenario_practice_state WHERE practice_id = %(pid)s""",
            {"pid": practice_id},
        )
        return [r[0] for r in cur.fetchall()]


def state_in_scope(conn, values: dict, practice_id: int) -> dict | None:
    """The practice as of the scope: register name, postcode, status, commissioner, list size (and its date),
    location, whether the scope judges it at all, and its current networks (code, name, lead commissioner)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            WITH {ps}
            SELECT ps.ods_code, ps.name, ps.postcode, ps.status, ps.commissioner_code, ps.in_register,
                   ps.active_gp, ps.list_size, ps.list_size_date, {in_scope} AS in_scope,
                   ST_X(ps.location) AS lon, ST_Y(ps.location) AS lat
              FROM ps WHERE ps.practice_id = %(practice_id)s
            """
            ).format(ps=_PS, in_scope=_IN_SCOPE),
            {**values, "practice_id": practice_id},
        )
        row = cur.fetchone()
        cur.execute(
            sql.SQL(
                """SELECT n.code, n.name, n.lead_commissioner_code, m.start_date, m.end_date
                     FROM memberships m JOIN networks n ON n.id = m.network_id
                    WHERE m.scenario_id = %(scenario_id)s AND m.practice_id = %(practice_id)s AND {current}
                    ORDER BY n.code"""
            ).format(current=_CURRENT),
            {**values, "practice_id": practice_id},
        )
        networks = cur.fetchall()
    if row is None and not networks:
        return None
    return {**(row or {}), "networks": networks}


def scenario_list(conn) -> list[dict]:
    """Every scenario (not archived), with its status and visibility, oldest date first."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT id, slug, name, dataset, as_of, status, visibility FROM scenarios
                WHERE archived_at IS NULL ORDER BY as_of, name"""
        )
        return cur.fetchall()


def network_members(conn, values: dict, code: str) -> dict | None:
    """The network of this code in the scope's scenario (any case) with its current members as of the scope:
    ODS code, name, register status and list size. None when the scenario has no such network."""
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT id, code, name, lead_commissioner_code FROM networks "
            "WHERE scenario_id = %(scenario_id)s AND upper(code) = upper(%(code)s)",
            {**values, "code": code},
        )
        net = cur.fetchone()
        if net is None:
            return None
        cur.execute(
            sql.SQL(
                """
            WITH {ps}
            SELECT p.ods_code, coalesce(ps.name, m.member_name) AS name, ps.status, ps.list_size,
                   coalesce({in_scope}, false) AS in_scope
              FROM memberships m JOIN practices p ON p.id = m.practice_id
              LEFT JOIN ps ON ps.practice_id = m.practice_id
             WHERE m.network_id = %(network_id)s AND {current}
             ORDER BY p.ods_code"""
            ).format(ps=scope_sql.practice_state_cte("ps", with_location=False), in_scope=_IN_SCOPE, current=_CURRENT),
            {**values, "network_id": net["id"]},
        )
        return {**net, "members": cur.fetchall()}
