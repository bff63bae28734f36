"""What derived network territories are built from (members' locations, the areas that hold them) and where
they are written (``networks.geom``). Reads practices through the scope fragments only."""

from __future__ import annotations

from psycopg2 import sql
from psycopg2.extras import execute_values

from geo_service.crs import AREA_SRID
from geo_service.db.pool import dict_cursor
from geo_service.db.repositories.scope import current_membership, in_scope_practice, practice_state_cte


def member_locations(conn, values: dict) -> list[dict]:
    """Current members of the scope's scenario that count (active GP practices of its nation): network,
    practice, the area of the scope's boundary set that holds the practice's location (None when none does),
    and the location in EPSG:27700 metres (None when the practice has no location)."""
    query = sql.SQL(
        """WITH {ps}
        SELECT m.network_id, ps.practice_id, ps.ods_code, pa.area_id,
               ST_X(ST_Transform(ps.location, {srid})) AS x, ST_Y(ST_Transform(ps.location, {srid})) AS y
          FROM memberships m
          JOIN ps ON ps.practice_id = m.practice_id
          LEFT JOIN point_areas pa ON pa.point_id = ps.point_id AND pa.boundary_set_id = %(bs_id)s
         WHERE m.scenario_id = %(scenario_id)s AND {current} AND {counted}
         ORDER BY m.network_id, ps.practice_id"""
    ).format(
        ps=practice_state_cte("ps"),
        srid=sql.Literal(AREA_SRID),
        current=current_membership("m"),
        counted=in_scope_practice("ps"),
    )
    with dict_cursor(conn) as cur:
        cur.execute(query, values)
        return cur.fetchall()


def area_shapes(conn, boundary_set_id: int) -> list[dict]:
    """The polygons of every area of the boundary set in EPSG:27700 (WKB), valid (all of them: a coastal
    member's territory may reach into the sea but not into an area that holds no member)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT a.id, a.ods_code, a.gss_code, a.name,
                      ST_AsBinary(ST_MakeValid(ST_Transform(a.geom, %(srid)s))) AS wkb
                 FROM areas a
                WHERE a.boundary_set_id = %(bs)s
                ORDER BY a.id""",
            {"bs": boundary_set_id, "srid": AREA_SRID},
        )
        return cur.fetchall()


def scenario_network_ids(conn, scenario_id: int) -> list[int]:
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM networks WHERE scenario_id = %(s)s ORDER BY id", {"s": scenario_id})
        return [r[0] for r in cur.fetchall()]


def save_network_shapes(conn, scenario_id: int, shapes: dict[int, bytes | None]) -> int:
    """Write each network's territory (WKB in EPSG:27700, or None to clear it) as its polygon, in EPSG:4326.
    Returns the number of networks written. The caller owns the transaction."""
    if not shapes:
        return 0
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE IF NOT EXISTS derived_territories (id integer, wkb bytea) ON COMMIT DROP")
        cur.execute("TRUNCATE derived_territories")
        execute_values(
            cur,
            "INSERT INTO derived_territories (id, wkb) VALUES %s",
            [(i, None if w is None else memoryview(w)) for i, w in shapes.items()],
            page_size=500,
        )
        # The shapes arrive as a clean coverage (shared edges have identical vertices), and ST_Transform moves
        # each vertex on its own, so they are stored as transformed. ST_MakeValid is only a fallback for a shape
        # the transform made invalid (none in England 2019/20), and is then flagged in geom_made_valid.
        cur.execute(
            """WITH t AS (
                   SELECT id, ST_Transform(ST_SetSRID(ST_GeomFromWKB(wkb), %(srid)s), 4326) AS g
                     FROM derived_territories)
               UPDATE networks n
                  SET geom = CASE WHEN t.g IS NULL THEN NULL
                                  WHEN ST_IsValid(t.g) THEN ST_Multi(t.g)
                                  ELSE ST_Multi(ST_CollectionExtract(ST_MakeValid(t.g), 3)) END,
                      geom_made_valid = t.g IS NOT NULL AND NOT ST_IsValid(t.g),
                      geom_origin = 'derived'
                 FROM t
                WHERE n.id = t.id AND n.scenario_id = %(scenario)s""",
            {"srid": AREA_SRID, "scenario": scenario_id},
        )
        return cur.rowcount
