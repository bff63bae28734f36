"""SQL of plans: scenarios with an owner, status and version, and their current memberships.

A plan's memberships are read and written *as of the plan's date*: "current" is the one definition in
:func:`geo_service.db.repositories.scope.current_membership`. The plan's networks are in
:mod:`~geo_service.db.repositories.plan_networks`, its edit log in :mod:`~geo_service.db.repositories.plan_edits`,
the editor's look-ups (populations, areas touched, unassigned practices, suggestions) in
:mod:`~geo_service.db.repositories.plan_editor`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from psycopg2 import sql

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories.scope import current_membership

PLAN_COLUMNS = """s.id, s.slug, s.name, s.description, s.dataset, s.as_of, s.nation, s.min_population,
       s.max_population, s.register_extract_id, s.list_size_extract_id, s.location_extract_id, s.boundary_set_id,
       s.owner_id, s.status, s.visibility, s.archived_at, s.copied_from, s.version, s.created_at"""


def plan(conn, slug: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT " + PLAN_COLUMNS + " FROM scenarios s WHERE lower(s.slug) = lower(%(slug)s)", {"slug": slug}
        )
        return cur.fetchone()


def plan_by_id(conn, scenario_id: int) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute("SELECT " + PLAN_COLUMNS + " FROM scenarios s WHERE s.id = %(id)s", {"id": scenario_id})
        return cur.fetchone()


def plans(conn) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute("SELECT " + PLAN_COLUMNS + " FROM scenarios s ORDER BY s.archived_at IS NOT NULL, s.name")
        return cur.fetchall()


def shared_user_ids(conn, scenario_id: int) -> set[int]:
    with conn.cursor() as cur:
        cur.execute("SELECT user_id FROM scenario_shares WHERE scenario_id = %(id)s", {"id": scenario_id})
        return {r[0] for r in cur.fetchall()}


def slug_taken(conn, slug: str, name: str) -> tuple[bool, bool]:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT EXISTS (SELECT 1 FROM scenarios WHERE lower(slug) = lower(%(slug)s)),
                      EXISTS (SELECT 1 FROM scenarios WHERE name = %(name)s)""",
            {"slug": slug, "name": name},
        )
        return cur.fetchone()


def insert_plan(conn, values: dict[str, Any]) -> int:
    """A new scenario row for a plan (``values``: slug, name, description, dataset, as_of, nation, pinned extract
    ids, boundary_set_id, owner_id, visibility, copied_from, min/max population)."""
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO scenarios (slug, name, description, dataset, as_of, nation, register_extract_id,
                                      list_size_extract_id, location_extract_id, boundary_set_id, owner_id, status,
                                      visibility, copied_from, min_population, max_population)
               VALUES (%(slug)s, %(name)s, %(description)s, %(dataset)s, %(as_of)s, %(nation)s,
                       %(register_extract_id)s, %(list_size_extract_id)s, %(location_extract_id)s,
                       %(boundary_set_id)s, %(owner_id)s, 'draft', %(visibility)s, %(copied_from)s,
                       %(min_population)s, %(max_population)s)
               RETURNING id""",
            values,
        )
        return cur.fetchone()[0]


def copy_networks_and_memberships(
    conn,
    source_id: int,
    target_id: int,
    as_of: date,
    area: dict | None = None,
    bs_id: int | None = None,
    polygons: bool = True,
) -> tuple[int, int]:
    """Copy the source's networks (with polygons) and the memberships current on ``as_of`` into the target; with
    ``area`` (an areas row of boundary set ``bs_id``) only the networks it leads or that have a current member
    located in it. ``polygons=False`` copies the networks without their polygons (a caller that will clear many
    of them puts back the others with :func:`copy_polygons`: each polygon written costs its derived analysis).
    Returns (networks, memberships) copied."""
    with conn.cursor() as cur:
        # Every copied polygon is compared with every other (overlaps, derived tables): a whole country's
        # networks take longer than an ordinary request may.
        cur.execute("SET LOCAL statement_timeout = '300s'")
        cur.execute(
            """INSERT INTO networks (scenario_id, code, name, lead_commissioner_code, geom, geom_made_valid,
                                     geom_origin)
               SELECT %(t)s, n.code, n.name, n.lead_commissioner_code, CASE WHEN %(polygons)s THEN n.geom END,
                      %(polygons)s AND n.geom_made_valid, CASE WHEN %(polygons)s THEN n.geom_origin END
                 FROM networks n
                WHERE n.scenario_id = %(s)s
                  AND (%(area_id)s::integer IS NULL OR n.lead_commissioner_code = %(area_ods)s
                       OR EXISTS (SELECT 1 FROM scenario_members sm
                                    JOIN point_areas pa ON pa.point_id = sm.point_id AND pa.boundary_set_id = %(bs)s
                                   WHERE sm.scenario_id = %(s)s AND sm.network_id = n.id
                                     AND pa.area_id = %(area_id)s))""",
            {
                "s": source_id,
                "t": target_id,
                "area_id": area["id"] if area else None,
                "area_ods": area["ods_code"] if area else None,
                "bs": bs_id,
                "polygons": polygons,
            },
        )
        networks = cur.rowcount
        cur.execute(
            sql.SQL(
                """INSERT INTO memberships (scenario_id, network_id, practice_id, start_date, end_date, member_name,
                                            member_commissioner_code)
                   SELECT %(t)s, tn.id, m.practice_id, NULL, NULL, m.member_name, m.member_commissioner_code
                     FROM memberships m
                     JOIN networks sn ON sn.id = m.network_id
                     JOIN networks tn ON tn.scenario_id = %(t)s AND tn.code = sn.code
                    WHERE m.scenario_id = %(s)s AND {current}"""
            ).format(current=current_membership("m")),
            {"s": source_id, "t": target_id, "as_of": as_of},
        )
        return networks, cur.rowcount


def copy_polygons(conn, source_id: int, target_id: int, codes: list[str]) -> int:
    """Give the target's networks of ``codes`` the polygon (made-valid flag, origin) of the source's network of
    the same code, in one statement (the derived analysis runs once for all of them). Returns how many."""
    if not codes:
        return 0
    with conn.cursor() as cur:
        cur.execute("SET LOCAL statement_timeout = '300s'")
        cur.execute(
            """UPDATE networks t SET geom = s.geom, geom_made_valid = s.geom_made_valid, geom_origin = s.geom_origin
                 FROM networks s
                WHERE t.scenario_id = %(t)s AND s.scenario_id = %(s)s AND s.code = t.code
                  AND t.code = ANY (%(codes)s) AND s.geom IS NOT NULL""",
            {"s": source_id, "t": target_id, "codes": codes},
        )
        return cur.rowcount


_PLAN_FIELDS = {
    "name": sql.Identifier("name"),
    "description": sql.Identifier("description"),
    "status": sql.Identifier("status"),
    "visibility": sql.Identifier("visibility"),
}


def update_plan(conn, scenario_id: int, fields: dict[str, Any], archive: bool | None = None) -> None:
    sets = [sql.SQL("{} = %({})s").format(_PLAN_FIELDS[k], sql.SQL(k)) for k in fields]
    if archive is True:
        sets.append(sql.SQL("archived_at = now()"))
    elif archive is False:
        sets.append(sql.SQL("archived_at = NULL"))
    if not sets:
        return
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("UPDATE scenarios SET {} WHERE id = %(id)s").format(sql.SQL(", ").join(sets)),
            {**fields, "id": scenario_id},
        )


def bump_version(conn, scenario_id: int, expected: int) -> int | None:
    """Compare-and-set the plan's version: the new version, or None when it is no longer ``expected``."""
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE scenarios SET version = version + 1 WHERE id = %(id)s AND version = %(v)s RETURNING version",
            {"id": scenario_id, "v": expected},
        )
        row = cur.fetchone()
        return row[0] if row else None


# ---- memberships ----------------------------------------------------------------------------------------


def practice_ids(conn, scenario_id: int, ods_codes: list[str]) -> dict[str, int]:
    """ODS code → practice id, for the practices of the plan's own state (its register extract)."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT upper(ps.ods_code), ps.practice_id FROM scenario_practice_state ps
                WHERE ps.scenario_id = %(s)s AND upper(ps.ods_code) = ANY (%(codes)s)""",
            {"s": scenario_id, "codes": [c.upper() for c in ods_codes]},
        )
        return dict(cur.fetchall())


def current_networks(conn, scenario_id: int, as_of: date, practice_ids: list[int]) -> dict[int, list[str]]:
    """Practice id → codes of the networks it is a current member of (empty list: none)."""
    out: dict[int, list[str]] = {p: [] for p in practice_ids}
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                """SELECT m.practice_id, n.code FROM memberships m JOIN networks n ON n.id = m.network_id
                    WHERE m.scenario_id = %(s)s AND m.practice_id = ANY (%(p)s) AND {current}
                    ORDER BY n.code"""
            ).format(current=current_membership("m")),
            {"s": scenario_id, "p": practice_ids, "as_of": as_of},
        )
        for pid, code in cur.fetchall():
            out.setdefault(pid, []).append(code)
    return out


def members_of(conn, scenario_id: int, as_of: date, code: str) -> list[int]:
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                """SELECT m.practice_id FROM memberships m JOIN networks n ON n.id = m.network_id
                    WHERE m.scenario_id = %(s)s AND n.code = %(c)s AND {current} ORDER BY m.practice_id"""
            ).format(current=current_membership("m")),
            {"s": scenario_id, "c": code, "as_of": as_of},
        )
        return [r[0] for r in cur.fetchall()]


def set_practice_networks(conn, scenario_id: int, as_of: date, targets: dict[int, list[str]]) -> None:
    """Make each practice's current memberships exactly the networks named (by code): current memberships of
    other networks are removed (a plan's draft history is its edit log), missing ones are added undated."""
    if not targets:
        return
    pids = list(targets)
    pairs = [(pid, code) for pid, codes in targets.items() for code in codes]
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                """DELETE FROM memberships m USING networks n
                    WHERE n.id = m.network_id AND m.scenario_id = %(s)s AND m.practice_id = ANY (%(p)s) AND {current}
                      AND NOT ((m.practice_id, n.code) IN (SELECT x.pid, x.code
                                  FROM unnest(%(pp)s::integer[], %(pc)s::text[]) x (pid, code)))"""
            ).format(current=current_membership("m")),
            {"s": scenario_id, "p": pids, "as_of": as_of, "pp": [p for p, _ in pairs], "pc": [c for _, c in pairs]},
        )
        if pairs:
            cur.execute(
                sql.SQL(
                    """INSERT INTO memberships (scenario_id, network_id, practice_id, member_name,
                                                member_commissioner_code)
                       SELECT %(s)s, n.id, x.pid, ps.name, ps.commissioner_code
                         FROM unnest(%(pp)s::integer[], %(pc)s::text[]) x (pid, code)
                         JOIN networks n ON n.scenario_id = %(s)s AND n.code = x.code
                         LEFT JOIN scenario_practice_state ps ON ps.scenario_id = %(s)s AND ps.practice_id = x.pid
                        WHERE NOT EXISTS (SELECT 1 FROM memberships m
                                           WHERE m.scenario_id = %(s)s AND m.network_id = n.id
                                             AND m.practice_id = x.pid AND {current})"""
                ).format(current=current_membership("m")),
                {"s": scenario_id, "as_of": as_of, "pp": [p for p, _ in pairs], "pc": [c for _, c in pairs]},
            )
