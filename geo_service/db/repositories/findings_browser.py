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
    wanted_networks AS MATERIALIZED (
        SELECT n.id, n.code, n.name, n.lead_commissioner_code, n.geom FROM networks n
         WHERE n.scenario_id = %(scenario_id)s AND n.code = ANY (%(network_codes)s::text[])
    ),
    cur AS MATERIALIZED (
        SELECT m.network_id, m.practice_id FROM memberships m
         WHERE m.scenario_id = %(scenario_id)s AND {current}
    ),
    bs_areas AS MATERIALIZED (
        SELECT a.id, coalesce(a.ods_code, a.gss_code) AS code, a.ods_code, a.name, a.geom
          FROM areas a WHERE a.boundary_set_id = %(bs_id)s
    ),
    wanted_practices AS MATERIALIZED (
        SELECT ps.practice_id FROM ps WHERE ps.ods_code = ANY (%(practice_codes)s::text[])
    ),
    located AS MATERIALIZED (
        -- The practices named, and the members of the networks named: the area of their location and their
        -- commissioner's area.
        SELECT ps.practice_id, ps.ods_code, ps.name, ps.commissioner_code, ps.location,
               la.code AS located_area, ca.code AS commissioner_area
          FROM ps
          LEFT JOIN point_areas pa ON pa.point_id = ps.point_id AND pa.boundary_set_id = %(bs_id)s
          LEFT JOIN bs_areas la ON la.id = pa.area_id
          LEFT JOIN bs_areas ca ON ca.ods_code = ps.commissioner_code
         WHERE ps.practice_id IN (SELECT practice_id FROM wanted_practices
                                  UNION SELECT cur.practice_id FROM cur JOIN wanted_networks w ON w.id = cur.network_id)
    ),
    net_members AS MATERIALIZED (
        SELECT cur.network_id, l.* FROM cur JOIN wanted_networks w ON w.id = cur.network_id
          JOIN located l ON l.practice_id = cur.practice_id
    ),
    net_areas AS (
        SELECT nm.network_id, array_agg(DISTINCT x.code) AS areas
          FROM net_members nm CROSS JOIN LATERAL unnest(ARRAY[nm.located_area, nm.commissioner_area]) x(code)
         WHERE x.code IS NOT NULL GROUP BY nm.network_id
    ),
    net_main AS (
        SELECT DISTINCT ON (nm.network_id) nm.network_id, nm.located_area AS code
          FROM net_members nm WHERE nm.located_area IS NOT NULL
         GROUP BY nm.network_id, nm.located_area
         ORDER BY nm.network_id, count(*) DESC, nm.located_area
    ),
    net_centre AS (
        SELECT nm.network_id, ST_Centroid(ST_Collect(nm.location)) AS geom
          FROM net_members nm WHERE nm.location IS NOT NULL GROUP BY nm.network_id
    ),
    practice_networks AS (
        SELECT cur.practice_id,
               json_agg(json_build_object('code', n.code, 'name', n.name) ORDER BY n.code COLLATE "C") AS networks
          FROM cur JOIN networks n ON n.id = cur.network_id
         WHERE cur.practice_id IN (SELECT practice_id FROM wanted_practices)
         GROUP BY cur.practice_id
    )
    SELECT 'practice' AS subject, l.ods_code AS code, l.name, l.commissioner_code AS commissioner,
           coalesce(l.located_area, l.commissioner_area) AS area,
           array_remove(ARRAY[l.located_area, l.commissioner_area], NULL) AS areas,
           pn.networks, ST_X(l.location) AS lon, ST_Y(l.location) AS lat
      FROM located l
      JOIN wanted_practices wp ON wp.practice_id = l.practice_id
      LEFT JOIN practice_networks pn ON pn.practice_id = l.practice_id
    UNION ALL
    SELECT 'network', n.code, n.name, n.lead_commissioner_code, coalesce(lead.code, mn.code),
           ARRAY(SELECT DISTINCT x FROM unnest(coalesce(na.areas, '{{}}') || lead.code) x WHERE x IS NOT NULL),
           json_build_array(json_build_object('code', n.code, 'name', n.name)),
           ST_X(p.geom), ST_Y(p.geom)
      FROM wanted_networks n
      LEFT JOIN bs_areas lead ON lead.ods_code = n.lead_commissioner_code
      LEFT JOIN net_main mn ON mn.network_id = n.id
      LEFT JOIN net_areas na ON na.network_id = n.id
      LEFT JOIN net_centre nc ON nc.network_id = n.id
      CROSS JOIN LATERAL (SELECT coalesce(ST_PointOnSurface(n.geom), nc.geom) AS geom) p
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

# Long statements cross jit_above_cost, and compiling them takes longer than running them (as in analysis_checks).
_NO_JIT = sql.SQL("SET LOCAL jit = off; ")

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
        cur.execute(_NO_JIT + _SUBJECTS, params)
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
        cur.execute(_NO_JIT + _NETWORK_SHAPES, params)
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
