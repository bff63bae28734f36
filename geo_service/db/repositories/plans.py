"""SQL of the plan editor: plans (scenarios with an owner, status and version), their networks and current
memberships, the edit log, and the look-ups the editor needs (populations, unassigned practices, suggestions).

A plan's memberships are read and written *as of the plan's date*: "current" is the one definition in
:func:`geo_service.db.repositories.scope.current_membership`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg2
from psycopg2 import sql
from psycopg2.extras import Json

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories.scope import current_membership

PLAN_COLUMNS = """s.id, s.slug, s.name, s.description, s.dataset, s.as_of, s.nation, s.min_population,
       s.max_population, s.register_extract_id, s.list_size_extract_id, s.location_extract_id, s.boundary_set_id,
       s.owner_id, s.status, s.visibility, s.archived_at, s.copied_from, s.version, s.created_at"""

NETWORK_COLUMNS = """n.id, n.code, n.name, n.lead_commissioner_code, n.geom_made_valid, n.geom_origin,
       (n.geom IS NOT NULL) AS has_polygon, n.locked_at, n.locked_by, n.lock_reason"""


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


def share(conn, scenario_id: int, user_id: int) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO scenario_shares (scenario_id, user_id) VALUES (%(s)s, %(u)s) ON CONFLICT DO NOTHING",
            {"s": scenario_id, "u": user_id},
        )


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
    conn, source_id: int, target_id: int, as_of: date, area: dict | None = None, bs_id: int | None = None
) -> tuple[int, int]:
    """Copy the source's networks (with polygons) and the memberships current on ``as_of`` into the target; with
    ``area`` (an areas row of boundary set ``bs_id``) only the networks it leads or that have a current member
    located in it. Returns (networks, memberships) copied."""
    with conn.cursor() as cur:
        # Every copied polygon is compared with every other (overlaps, derived tables): a whole country's
        # networks take longer than an ordinary request may.
        cur.execute("SET LOCAL statement_timeout = '300s'")
        cur.execute(
            """INSERT INTO networks (scenario_id, code, name, lead_commissioner_code, geom, geom_made_valid,
                                     geom_origin)
               SELECT %(t)s, n.code, n.name, n.lead_commissioner_code, n.geom, n.geom_made_valid, n.geom_origin
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


def lock_plan_row(conn, scenario_id: int) -> int:
    """Lock the plan's row for this transaction (writers of one plan queue) and return its version."""
    with conn.cursor() as cur:
        cur.execute("SELECT version FROM scenarios WHERE id = %(id)s FOR UPDATE", {"id": scenario_id})
        return cur.fetchone()[0]


# ---- networks -----------------------------------------------------------------------------------------


def networks(conn, scenario_id: int) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT " + NETWORK_COLUMNS + ' FROM networks n WHERE n.scenario_id = %(s)s ORDER BY n.code COLLATE "C"',
            {"s": scenario_id},
        )
        return cur.fetchall()


def network(conn, scenario_id: int, code: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT " + NETWORK_COLUMNS + ", ST_AsEWKB(n.geom) AS geom_ewkb FROM networks n"
            " WHERE n.scenario_id = %(s)s AND n.code = %(c)s",
            {"s": scenario_id, "c": code},
        )
        row = cur.fetchone()
        if row and row["geom_ewkb"] is not None:
            row["geom_ewkb"] = bytes(row["geom_ewkb"]).hex()
        return row


def insert_network(conn, scenario_id: int, attrs: dict[str, Any]) -> int:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO networks (scenario_id, code, name, lead_commissioner_code, geom, geom_made_valid,
                                     geom_origin, locked_at, lock_reason)
               VALUES (%(s)s, %(code)s, %(name)s, %(lead)s,
                       CASE WHEN %(geom)s::text IS NULL THEN NULL ELSE ST_GeomFromEWKB(decode(%(geom)s, 'hex')) END,
                       %(made_valid)s, %(origin)s, %(locked_at)s, %(lock_reason)s)
               RETURNING id""",
            {
                "s": scenario_id,
                "code": attrs["code"],
                "name": attrs["name"],
                "lead": attrs.get("lead"),
                "geom": attrs.get("geom"),
                "made_valid": bool(attrs.get("made_valid")),
                "origin": attrs.get("origin") if attrs.get("geom") else None,
                "locked_at": attrs.get("locked_at"),
                "lock_reason": attrs.get("lock_reason"),
            },
        )
        return cur.fetchone()[0]


def delete_network(conn, scenario_id: int, code: str) -> None:
    with conn.cursor() as cur:
        cur.execute("DELETE FROM networks WHERE scenario_id = %(s)s AND code = %(c)s", {"s": scenario_id, "c": code})


def rename_network(conn, scenario_id: int, code: str, name: str) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE networks SET name = %(n)s WHERE scenario_id = %(s)s AND code = %(c)s",
            {"s": scenario_id, "c": code, "n": name},
        )


def set_lock(conn, scenario_id: int, code: str, locked: bool, user_id: int | None, reason: str | None) -> None:
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE networks SET locked_at = CASE WHEN %(l)s THEN now() END,
                                   locked_by = CASE WHEN %(l)s THEN %(u)s::integer END,
                                   lock_reason = CASE WHEN %(l)s THEN %(r)s END
                WHERE scenario_id = %(s)s AND code = %(c)s""",
            {"s": scenario_id, "c": code, "l": locked, "u": user_id, "r": reason},
        )


def set_geometry(conn, scenario_id: int, code: str, geom_hex: str | None, made_valid: bool, origin: str | None) -> None:
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE networks
                  SET geom = CASE WHEN %(g)s::text IS NULL THEN NULL ELSE ST_GeomFromEWKB(decode(%(g)s, 'hex')) END,
                      geom_made_valid = %(mv)s,
                      geom_origin = CASE WHEN %(g)s::text IS NULL THEN NULL ELSE %(o)s END
                WHERE scenario_id = %(s)s AND code = %(c)s""",
            {"s": scenario_id, "c": code, "g": geom_hex, "mv": made_valid, "o": origin},
        )


def checked_geometry(conn, geojson: str) -> dict:
    """A GeoJSON geometry checked by PostGIS: whether it is valid (and why not), and the MultiPolygon (EWKB hex,
    EPSG:4326) it becomes, made valid where needed. Non-areal results have ``geom`` None."""
    with dict_cursor(conn) as cur:
        # A savepoint: malformed GeoJSON must not abort the request's transaction.
        cur.execute("SAVEPOINT plan_geometry")
        try:
            cur.execute(
                """WITH g AS (SELECT ST_SetSRID(ST_GeomFromGeoJSON(%(g)s), 4326) AS geom),
                        v AS (SELECT geom, ST_IsValid(geom) AS valid, ST_IsValidReason(geom) AS reason FROM g),
                        m AS (SELECT valid, reason,
                                     ST_Multi(ST_CollectionExtract(
                                         CASE WHEN valid THEN geom ELSE ST_MakeValid(geom) END, 3))
                                         AS geom
                                FROM v)
                   SELECT valid, reason,
                          CASE WHEN ST_IsEmpty(geom) THEN NULL ELSE encode(ST_AsEWKB(geom), 'hex') END AS geom,
                          CASE WHEN ST_IsEmpty(geom) THEN 0 ELSE ST_Area(ST_Transform(geom, 27700)) END AS area_m2
                     FROM m""",
                {"g": geojson},
            )
            row = cur.fetchone()
        except psycopg2.Error as exc:
            cur.execute("ROLLBACK TO SAVEPOINT plan_geometry")
            raise ValueError((exc.pgerror or "unreadable geometry").replace("ERROR:", "").strip()) from None
        cur.execute("RELEASE SAVEPOINT plan_geometry")
        return row


def network_geojson(conn, scenario_id: int) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT n.code, ST_AsGeoJSON(n.geom, 6)::json AS geometry FROM networks n
                WHERE n.scenario_id = %(s)s AND n.geom IS NOT NULL ORDER BY n.code""",
            {"s": scenario_id},
        )
        return cur.fetchall()


def committed_state(conn) -> tuple[int, int | None]:
    """(data version, id of the transaction that made it): together they name one committed state of the data.

    The version alone is not enough to key results computed inside a writing transaction: a transaction
    rolled back frees its version number for the next writer; transaction ids are never given out twice."""
    with conn.cursor() as cur:
        cur.execute("SELECT version, last_txid FROM data_version")
        version, txid = cur.fetchone()
        return int(version), (int(txid) if txid is not None else None)


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


def populations(conn, scenario_id: int, codes: list[str]) -> dict[str, dict]:
    """Network code → member count, population (known list sizes) and unknown list sizes, from the plan's kept
    current members (``scenario_members``, maintained by triggers)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT n.code, n.name, count(sm.practice_id)::int AS members,
                      coalesce(sum(sm.list_size), 0)::bigint AS population,
                      (count(sm.practice_id) - count(sm.list_size))::int AS unknown_list_sizes
                 FROM networks n
                 LEFT JOIN scenario_members sm ON sm.scenario_id = %(s)s AND sm.network_id = n.id
                WHERE n.scenario_id = %(s)s AND n.code = ANY (%(c)s)
                GROUP BY n.code, n.name""",
            {"s": scenario_id, "c": codes},
        )
        return {r["code"]: r for r in cur.fetchall()}


def editor_networks(conn, scenario_id: int) -> list[dict]:
    """Every network of the plan with its population and lock (the editor's side list)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT n.code, n.name, n.lead_commissioner_code AS lead, n.locked_at IS NOT NULL AS locked,
                      n.lock_reason, n.geom IS NOT NULL AS has_polygon, count(sm.practice_id)::int AS members,
                      coalesce(sum(sm.list_size), 0)::bigint AS population
                 FROM networks n
                 LEFT JOIN scenario_members sm ON sm.scenario_id = %(s)s AND sm.network_id = n.id
                WHERE n.scenario_id = %(s)s
                GROUP BY n.id ORDER BY n.code COLLATE "C" """,
            {"s": scenario_id},
        )
        return cur.fetchall()


def editor_practices(conn, scenario_id: int, area_id: int | None, bs_id: int | None) -> list[dict]:
    """Active GP practices of the plan (optionally those located in one area) with location and network."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT ps.ods_code AS code, ps.name, ps.list_size, ps.commissioner_code,
                      ST_X(pt.geom) AS lon, ST_Y(pt.geom) AS lat,
                      (SELECT array_agg(sm.network_code ORDER BY sm.network_code) FROM scenario_members sm
                        WHERE sm.scenario_id = %(s)s AND sm.practice_id = ps.practice_id) AS networks
                 FROM scenario_practice_state ps
                 JOIN postcode_points pt ON pt.id = ps.point_id
                WHERE ps.scenario_id = %(s)s AND ps.active_gp AND ps.in_nation
                  AND (%(area)s::integer IS NULL OR EXISTS (
                        SELECT 1 FROM point_areas pa WHERE pa.point_id = ps.point_id
                           AND pa.boundary_set_id = %(bs)s AND pa.area_id = %(area)s))
                ORDER BY ps.ods_code""",
            {"s": scenario_id, "area": area_id, "bs": bs_id},
        )
        return cur.fetchall()


def areas_of_networks(conn, scenario_id: int, bs_id: int, codes: list[str]) -> list[str]:
    """Codes (ODS, else GSS) of the areas of a boundary set holding current members of these networks, or
    being their lead commissioner."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT DISTINCT coalesce(a.ods_code, a.gss_code) FROM areas a
                WHERE a.boundary_set_id = %(bs)s AND (
                      a.id IN (SELECT pa.area_id FROM scenario_members sm
                                 JOIN point_areas pa ON pa.point_id = sm.point_id AND pa.boundary_set_id = %(bs)s
                                WHERE sm.scenario_id = %(s)s AND sm.network_code = ANY (%(c)s))
                   OR a.ods_code IN (SELECT n.lead_commissioner_code FROM networks n
                                      WHERE n.scenario_id = %(s)s AND n.code = ANY (%(c)s)))
                ORDER BY 1""",
            {"s": scenario_id, "bs": bs_id, "c": codes},
        )
        return [r[0] for r in cur.fetchall()]


def area_of_practices(conn, scenario_id: int, bs_id: int, practice_ids: list[int]) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT DISTINCT coalesce(a.ods_code, a.gss_code)
                 FROM scenario_practice_state ps
                 JOIN point_areas pa ON pa.point_id = ps.point_id AND pa.boundary_set_id = %(bs)s
                 JOIN areas a ON a.id = pa.area_id
                WHERE ps.scenario_id = %(s)s AND ps.practice_id = ANY (%(p)s) ORDER BY 1""",
            {"s": scenario_id, "bs": bs_id, "p": practice_ids},
        )
        return [r[0] for r in cur.fetchall()]


def unassigned(conn, values: dict[str, Any]) -> list[dict]:
    """Active GP practices of the plan's nation (in the scope's area by location, when it has one) with no
    current membership, with list size and commissioner."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT ps.practice_id, ps.ods_code AS code, ps.name, ps.commissioner_code, ps.list_size, ps.point_id
                 FROM scenario_practice_state ps
                WHERE ps.scenario_id = %(scenario_id)s AND ps.active_gp AND ps.in_nation
                  AND NOT EXISTS (SELECT 1 FROM scenario_members sm
                                   WHERE sm.scenario_id = %(scenario_id)s AND sm.practice_id = ps.practice_id)
                  AND (%(area_id)s::integer IS NULL OR EXISTS (
                        SELECT 1 FROM point_areas pa WHERE pa.point_id = ps.point_id
                           AND pa.boundary_set_id = %(bs_id)s AND pa.area_id = %(area_id)s))
                ORDER BY ps.ods_code""",
            values,
        )
        return cur.fetchall()


def suggestions(conn, scenario_id: int, practice_id: int, max_population: int, limit: int = 3) -> list[dict]:
    """Networks of the practice's commissioner (lead, or a current member's) nearest to the practice
    (distance to their nearest member, PostGIS KNN on geography), with the population they would reach;
    only those that stay at or below ``max_population`` with it."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """WITH p AS (SELECT ps.practice_id, ps.commissioner_code, coalesce(ps.list_size, 0) AS list_size, pt.geom
                           FROM scenario_practice_state ps JOIN postcode_points pt ON pt.id = ps.point_id
                          WHERE ps.scenario_id = %(s)s AND ps.practice_id = %(p)s),
                    cand AS (SELECT n.id, n.code, n.name, n.locked_at IS NOT NULL AS locked
                               FROM networks n, p
                              WHERE n.scenario_id = %(s)s
                                AND (n.lead_commissioner_code = p.commissioner_code
                                     OR EXISTS (SELECT 1 FROM scenario_members sm
                                                 WHERE sm.scenario_id = %(s)s AND sm.network_id = n.id
                                                   AND sm.commissioner_code = p.commissioner_code))),
                    pop AS (SELECT c.id, coalesce(sum(sm.list_size), 0)::bigint AS population
                              FROM cand c
                              LEFT JOIN scenario_members sm ON sm.scenario_id = %(s)s AND sm.network_id = c.id
                             GROUP BY c.id)
               SELECT c.code, c.name, pop.population, pop.population + p.list_size AS population_with,
                      d.distance_m
                 FROM cand c JOIN pop ON pop.id = c.id CROSS JOIN p
                 CROSS JOIN LATERAL (
                       SELECT ST_Distance(pt.geom::geography, p.geom::geography) AS distance_m
                         FROM scenario_members sm JOIN postcode_points pt ON pt.id = sm.point_id
                        WHERE sm.scenario_id = %(s)s AND sm.network_id = c.id
                        ORDER BY pt.geom <-> p.geom LIMIT 1) d
                WHERE NOT c.locked AND pop.population + p.list_size <= %(max)s
                ORDER BY d.distance_m, c.code LIMIT %(lim)s""",
            {"s": scenario_id, "p": practice_id, "max": max_population, "lim": limit},
        )
        return cur.fetchall()


# ---- edit log -------------------------------------------------------------------------------------------


def insert_edit(
    conn, scenario_id: int, session_id: str, actor_id: int | None, kind: str, summary: str, forward: list, inverse: list
) -> int:
    with conn.cursor() as cur:
        # A new edit ends the session's redo stack.
        cur.execute(
            "UPDATE plan_edits SET state = 'discarded' WHERE scenario_id = %(s)s AND session_id = %(ss)s"
            " AND state = 'undone'",
            {"s": scenario_id, "ss": session_id},
        )
        cur.execute(
            """INSERT INTO plan_edits (scenario_id, session_id, actor_id, kind, summary, forward, inverse)
               VALUES (%(s)s, %(ss)s, %(a)s, %(k)s, %(sum)s, %(f)s, %(i)s) RETURNING id""",
            {
                "s": scenario_id,
                "ss": session_id,
                "a": actor_id,
                "k": kind,
                "sum": summary,
                "f": Json(forward),
                "i": Json(inverse),
            },
        )
        return cur.fetchone()[0]


def last_edit(conn, scenario_id: int, session_id: str, state: str) -> dict | None:
    """The session's latest ``done`` edit (to undo), or its most recently undone one (to redo: undone edits
    form a stack, the lowest id was undone last)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT id, kind, summary, forward, inverse FROM plan_edits
                WHERE scenario_id = %(s)s AND session_id = %(ss)s AND state = %(st)s
                ORDER BY CASE WHEN %(st)s = 'done' THEN -id ELSE id END LIMIT 1""",
            {"s": scenario_id, "ss": session_id, "st": state},
        )
        return cur.fetchone()


def set_edit_state(conn, edit_id: int, state: str) -> None:
    with conn.cursor() as cur:
        cur.execute("UPDATE plan_edits SET state = %(st)s WHERE id = %(id)s", {"st": state, "id": edit_id})


def edit_counts(conn, scenario_id: int, session_id: str) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'undone')
                 FROM plan_edits WHERE scenario_id = %(s)s AND session_id = %(ss)s""",
            {"s": scenario_id, "ss": session_id},
        )
        done, undone = cur.fetchone()
        return {"undo": done, "redo": undone}


def locked_network_codes(conn, scenario_id: int) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT code FROM networks WHERE scenario_id = %(s)s AND locked_at IS NOT NULL ORDER BY code",
            {"s": scenario_id},
        )
        return [r[0] for r in cur.fetchall()]


def polygon_origins(conn, scenario_id: int) -> dict[str, str | None]:
    """Network code → where its polygon came from (imported / derived / drawn / uploaded; None: no polygon)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT code, CASE WHEN geom IS NULL THEN NULL ELSE geom_origin END FROM networks"
            " WHERE scenario_id = %(s)s ORDER BY code",
            {"s": scenario_id},
        )
        return dict(cur.fetchall())


def network_geometries(conn, scenario_id: int) -> dict[str, dict]:
    """Network code → its polygon (EWKB hex or None), whether it was made valid, and its origin: what a
    geometry op of the edit log holds."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT code, encode(ST_AsEWKB(geom), 'hex'), geom_made_valid, geom_origin FROM networks"
            " WHERE scenario_id = %(s)s ORDER BY code",
            {"s": scenario_id},
        )
        return {c: {"geom": g, "made_valid": bool(mv), "origin": o} for c, g, mv, o in cur.fetchall()}
