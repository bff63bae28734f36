"""SQL of a plan's networks: rows, names, locks and polygons (checked by PostGIS on the way in)."""

from __future__ import annotations

from typing import Any

import psycopg2

from geo_service.db.pool import dict_cursor

NETWORK_COLUMNS = """n.id, n.code, n.name, n.lead_commissioner_code, n.geom_made_valid, n.geom_origin,
       (n.geom IS NOT NULL) AS has_polygon, n.locked_at, n.locked_by, n.lock_reason"""


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


def locked_network_codes(conn, scenario_id: int) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT code FROM networks WHERE scenario_id = %(s)s AND locked_at IS NOT NULL ORDER BY code",
            {"s": scenario_id},
        )
        return [r[0] for r in cur.fetchall()]


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
