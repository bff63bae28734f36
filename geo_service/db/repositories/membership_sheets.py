"""SQL of the membership spreadsheet (issue 20): a scenario's current memberships with names and list sizes, and
the practices a spreadsheet may name when a plan is made from one.

The rows read practice state through :mod:`geo_service.db.repositories.scope` (the scenario's register, list-size
and postcode extracts, as of its date), bound with ``Scope.values()``; a member missing from that state is still
listed, by its ODS code and the name its membership recorded.
"""

from __future__ import annotations

from datetime import date

from psycopg2 import sql

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories import scope

_ROWS = sql.SQL(
    """
    WITH {ps}
    SELECT p.ods_code AS practice_code, coalesce(ps.name, m.member_name) AS practice_name,
           n.code AS network_code, n.name AS network_name, ps.list_size,
           coalesce(ps.commissioner_code, m.member_commissioner_code) AS commissioner_code,
           a.name AS commissioner_name
      FROM memberships m
      JOIN networks n ON n.id = m.network_id
      JOIN practices p ON p.id = m.practice_id
      LEFT JOIN ps ON ps.practice_id = m.practice_id
      LEFT JOIN areas a ON a.boundary_set_id = %(bs_id)s
                       AND a.ods_code = coalesce(ps.commissioner_code, m.member_commissioner_code)
     WHERE m.scenario_id = %(scenario_id)s AND {current}
     ORDER BY n.code, p.ods_code
    """
).format(ps=scope.practice_state_cte("ps", with_location=False), current=scope.current_membership("m"))


def membership_rows(conn, values: dict) -> list[dict]:
    """Every current membership of the scope's scenario (all of it: the area is not applied), by network code then
    practice code: practice_code, practice_name, network_code, network_name, list_size, commissioner_code and
    commissioner_name (in the scope's boundary set)."""
    with dict_cursor(conn) as cur:
        cur.execute(_ROWS, values)
        return cur.fetchall()


def known_practices(conn, scenario_id: int, as_of: date, ods_codes: list[str]) -> dict[str, int]:
    """Upper-case ODS code → practice id, for the practices a plan may hold: those of its own state (its register
    extract) and its current members."""
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                """SELECT upper(ps.ods_code), ps.practice_id FROM scenario_practice_state ps
                    WHERE ps.scenario_id = %(s)s AND upper(ps.ods_code) = ANY (%(codes)s)
                   UNION
                   SELECT upper(p.ods_code), p.id FROM memberships m JOIN practices p ON p.id = m.practice_id
                    WHERE m.scenario_id = %(s)s AND {current} AND upper(p.ods_code) = ANY (%(codes)s)"""
            ).format(current=scope.current_membership("m")),
            {"s": scenario_id, "as_of": as_of, "codes": [c.upper() for c in ods_codes]},
        )
        return dict(cur.fetchall())


def current_members(conn, scenario_id: int, as_of: date) -> dict[int, list[str]]:
    """Practice id → codes of the networks it is a current member of, for every current member of the plan."""
    out: dict[int, list[str]] = {}
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                """SELECT m.practice_id, n.code FROM memberships m JOIN networks n ON n.id = m.network_id
                    WHERE m.scenario_id = %(s)s AND {current} ORDER BY m.practice_id, n.code"""
            ).format(current=scope.current_membership("m")),
            {"s": scenario_id, "as_of": as_of},
        )
        for pid, code in cur.fetchall():
            out.setdefault(pid, []).append(code)
    return out


def network_rows(conn, scenario_id: int) -> dict[str, dict]:
    """Code → the plan's network row (with its polygon as EWKB hex, for an undoable delete)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT n.code, n.name, n.lead_commissioner_code, n.geom_made_valid, n.geom_origin, n.locked_at,
                      n.lock_reason, encode(ST_AsEWKB(n.geom), 'hex') AS geom_ewkb
                 FROM networks n WHERE n.scenario_id = %(s)s ORDER BY n.code""",
            {"s": scenario_id},
        )
        return {r["code"]: r for r in cur.fetchall()}
