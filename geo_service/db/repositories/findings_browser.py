"""SQL for the findings browser: what each finding's subject is, where it lies and who commissions it.

The rule engine names a finding's subject by code (a practice, a network or an area). The browser also
shows and filters by the subject's area (in the scope's boundary set), its networks and its commissioner,
and draws it on a map; this module looks those up for the codes the findings name, in one statement, with
the same scope fragments as the engine (:mod:`geo_service.db.repositories.scope`): practice state as of the
scope, current membership on ``as_of`` and "practice in area" (its commissioner is the area, or it is
located in it). A network lies in the areas of its lead commissioner and of each current member.

Values: ``Scope.values()`` plus ``practice_codes``, ``network_codes`` and ``area_codes`` (text arrays).
"""

from __future__ import annotations

from psycopg2 import sql

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories import scope

_SUBJECTS = sql.SQL(
    """
    WITH {ps},
    cur AS MATERIALIZED (
        SELECT m.network_id, m.practice_id FROM memberships m
         WHERE m.scenario_id = %(scenario_id)s AND {current}
    ),
    bs_areas AS MATERIALIZED (
        SELECT a.id, coalesce(a.ods_code, a.gss_code) AS code, a.ods_code, a.name, a.geom
          FROM areas a WHERE a.boundary_set_id = %(bs_id)s
    ),
    located AS MATERIALIZED (
        -- Every practice of the scope's state with the area of its location and its commissioner's area.
        SELECT ps.practice_id, ps.ods_code, ps.name, ps.commissioner_code, ps.location,
               la.code AS located_area, ca.code AS commissioner_area
          FROM ps
          LEFT JOIN point_areas pa ON pa.point_id = ps.point_id AND pa.boundary_set_id = %(bs_id)s
          LEFT JOIN bs_areas la ON la.id = pa.area_id
          LEFT JOIN bs_areas ca ON ca.ods_code = ps.commissioner_code
    ),
    wanted_networks AS MATERIALIZED (
        SELECT n.id, n.code, n.name, n.lead_commissioner_code, n.geom FROM networks n
         WHERE n.scenario_id = %(scenario_id)s AND n.code = ANY (%(network_codes)s::text[])
    )
    SELECT 'practice' AS subject, l.ods_code AS code, l.name, l.commissioner_code AS commissioner,
           coalesce(l.located_area, l.commissioner_area) AS area,
           array_remove(ARRAY[l.located_area, l.commissioner_area], NULL) AS areas,
           (SELECT json_agg(json_build_object('code', n.code, 'name', n.name) ORDER BY n.code COLLATE "C")
              FROM cur JOIN networks n ON n.id = cur.network_id WHERE cur.practice_id = l.practice_id) AS networks,
           ST_X(l.location) AS lon, ST_Y(l.location) AS lat
      FROM located l
     WHERE l.ods_code = ANY (%(practice_codes)s::text[])
    UNION ALL
    SELECT 'network', n.code, n.name, n.lead_commissioner_code,
           coalesce(lead.code, (SELECT l.located_area FROM cur JOIN located l ON l.practice_id = cur.practice_id
                                 WHERE cur.network_id = n.id AND l.located_area IS NOT NULL
                                 GROUP BY l.located_area ORDER BY count(*) DESC, l.located_area LIMIT 1)),
           ARRAY(SELECT DISTINCT x FROM (
                    SELECT lead.code AS x
                    UNION ALL SELECT l.located_area FROM cur JOIN located l ON l.practice_id = cur.practice_id
                     WHERE cur.network_id = n.id
                    UNION ALL SELECT l.commissioner_area FROM cur JOIN located l ON l.practice_id = cur.practice_id
                     WHERE cur.network_id = n.id) xs WHERE x IS NOT NULL),
           json_build_array(json_build_object('code', n.code, 'name', n.name)),
           ST_X(p.geom), ST_Y(p.geom)
      FROM wanted_networks n
      LEFT JOIN bs_areas lead ON lead.ods_code = n.lead_commissioner_code
      CROSS JOIN LATERAL (
            SELECT coalesce(ST_PointOnSurface(n.geom),
                            (SELECT ST_Centroid(ST_Collect(l.location)) FROM cur
                               JOIN located l ON l.practice_id = cur.practice_id
                              WHERE cur.network_id = n.id AND l.location IS NOT NULL)) AS geom
      ) p
    UNION ALL
    SELECT 'area', a.code, a.name, a.ods_code, a.code, ARRAY[a.code], NULL::json,
           ST_X(ST_PointOnSurface(a.geom)), ST_Y(ST_PointOnSurface(a.geom))
      FROM bs_areas a
     WHERE a.code = ANY (%(area_codes)s::text[])
    """
).format(
    ps=scope.practice_state_cte("ps", with_location=True),
    current=scope.current_membership("m"),
)

# Network geometry for downloads: its polygon, else the convex hull of its located current members (as the maps
# and exports draw it).
_NETWORK_SHAPES = sql.SQL(
    """
    WITH {ps},
    cur AS MATERIALIZED (
        SELECT m.network_id, m.practice_id FROM memberships m
         WHERE m.scenario_id = %(scenario_id)s AND {current}
    )
    SELECT n.code, ST_AsBinary(coalesce(n.geom, (
               SELECT ST_Transform(ST_Multi(ST_Buffer(ST_ConvexHull(ST_Collect(ST_Transform(ps.location, 27700))),
                                                      %(hull_buffer)s, 8)), 4326)
                 FROM cur JOIN ps ON ps.practice_id = cur.practice_id
                WHERE cur.network_id = n.id AND ps.location IS NOT NULL))) AS geom
      FROM networks n
     WHERE n.scenario_id = %(scenario_id)s AND n.code = ANY (%(network_codes)s::text[])
    """
).format(ps=scope.practice_state_cte("ps", with_location=True), current=scope.current_membership("m"))


def subjects(conn, values: dict, practice_codes: list[str], network_codes: list[str], area_codes: list[str]):
    """One row per named practice, network and area: ``subject``, ``code``, ``name``, ``commissioner`` (a
    practice's commissioner, a network's lead), ``area`` (the one shown), ``areas`` (every area it lies in,
    for the area filter), ``networks`` (current, ``[{code, name}]``), ``lon``/``lat`` (a point to draw; NULL
    when unknown)."""
    params = {
        **values,
        "practice_codes": sorted(set(practice_codes)),
        "network_codes": sorted(set(network_codes)),
        "area_codes": sorted(set(area_codes)),
    }
    with dict_cursor(conn) as cur:
        cur.execute(_SUBJECTS, params)
        return cur.fetchall()


def area_options(conn, bs_id: int) -> list[dict]:
    """The areas of a boundary set (``code``: ODS code, else GSS code) for the area filter, by name."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT coalesce(a.ods_code, a.gss_code) AS code, a.name FROM areas a
                WHERE a.boundary_set_id = %(bs)s ORDER BY a.name, a.id""",
            {"bs": bs_id},
        )
        return cur.fetchall()


def boundary_set_options(conn, dataset: str) -> list[dict]:
    """Every boundary set of a dataset (any level), newest first, for the boundary-set filter."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT bs.slug, bs.name, bs.level FROM boundary_sets bs WHERE bs.dataset = %(ds)s
                ORDER BY bs.valid_from DESC, bs.level, bs.name""",
            {"ds": dataset},
        )
        return cur.fetchall()


def network_shapes(conn, values: dict, network_codes: list[str], hull_buffer_m: float) -> dict[str, bytes | None]:
    """Network code -> WKB (EPSG:4326) of its polygon, else of the widened hull of its located current members."""
    if not network_codes:
        return {}
    params = {**values, "network_codes": sorted(set(network_codes)), "hull_buffer": hull_buffer_m}
    with conn.cursor() as cur:
        cur.execute(_NETWORK_SHAPES, params)
        return {code: (bytes(geom) if geom is not None else None) for code, geom in cur.fetchall()}


def area_shapes(conn, bs_id: int, area_codes: list[str]) -> dict[str, bytes | None]:
    """Area code (ODS, else GSS) -> WKB (EPSG:4326) of its boundary in the set."""
    if not area_codes:
        return {}
    with conn.cursor() as cur:
        cur.execute(
            """SELECT coalesce(a.ods_code, a.gss_code), ST_AsBinary(a.geom) FROM areas a
                WHERE a.boundary_set_id = %(bs)s AND coalesce(a.ods_code, a.gss_code) = ANY (%(codes)s::text[])""",
            {"bs": bs_id, "codes": sorted(set(area_codes))},
        )
        return {code: (bytes(geom) if geom is not None else None) for code, geom in cur.fetchall()}
