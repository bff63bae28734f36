"""SQL for GIS exports and print maps: scope look-ups and one query per layer.

A *scope* is a scenario, optionally narrowed to one area of a boundary set or to one network:

* networks in an area: led by the area's commissioner, or with a current member commissioned by
  the area or located in it (the same rule as the web map);
* practices in an area: active practices commissioned by the area or located in it, plus every
  current member of a network in scope (so a cross-boundary network is shown whole);
* without an area: every network of the scenario, every active practice and every current member.

Geometry leaves the database as WKB in the requested SRID (``ST_Transform`` to 4326 is a no-op).
The SRID is a bound value that the caller took from ``crs.ALLOWED_OUTPUT_SRIDS``.
"""

from __future__ import annotations

from psycopg2 import sql

from geo_service.db.pool import dict_cursor

# A network without a polygon is drawn as the convex hull of its located current members, widened
# by this many metres (in EPSG:27700): the same shape the web map draws.
HULL_BUFFER_M = 400.0

# Shared CTEs. Parameters: scenario_id, area_id (or NULL), network_id (or NULL).
_SCOPE = sql.SQL(
    """
    WITH a AS (SELECT id, ods_code, geom FROM areas WHERE id = %(area_id)s),
    cur AS (
        SELECT m.network_id, m.practice_id FROM memberships m
         WHERE m.scenario_id = %(scenario_id)s AND (m.end_date IS NULL OR m.end_date >= current_date)
    ),
    scope_networks AS (
        SELECT n.id FROM networks n
         WHERE n.scenario_id = %(scenario_id)s
           AND (%(network_id)s::int IS NULL OR n.id = %(network_id)s::int)
           AND (%(area_id)s::int IS NULL
                OR n.lead_commissioner_code = (SELECT ods_code FROM a)
                OR EXISTS (SELECT 1 FROM cur JOIN practices p ON p.id = cur.practice_id CROSS JOIN a
                            WHERE cur.network_id = n.id
                              AND (p.commissioner_code = a.ods_code OR ST_Intersects(p.location, a.geom))))
    ),
    scope_practices AS (
        SELECT p.id FROM practices p
         WHERE CASE
             WHEN %(network_id)s::int IS NOT NULL THEN
                  EXISTS (SELECT 1 FROM cur JOIN scope_networks sn ON sn.id = cur.network_id
                           WHERE cur.practice_id = p.id)
             WHEN %(area_id)s::int IS NULL THEN
                  p.status = 'active' OR EXISTS (SELECT 1 FROM cur WHERE cur.practice_id = p.id)
             ELSE (p.status = 'active'
                   AND EXISTS (SELECT 1 FROM a
                                WHERE p.commissioner_code = a.ods_code OR ST_Intersects(p.location, a.geom)))
                  OR EXISTS (SELECT 1 FROM cur JOIN scope_networks sn ON sn.id = cur.network_id
                              WHERE cur.practice_id = p.id)
         END
    )
    """
)

_PRACTICES = sql.SQL(
    """
    SELECT p.ods_code, p.name, p.postcode, p.commissioner_code, p.status, p.list_size,
           to_char(p.list_size_date, 'YYYY-MM-DD') AS list_size_date, p.extended_hours,
           string_agg(n.code, ',' ORDER BY n.code) AS network_codes,
           string_agg(n.name, '; ' ORDER BY n.code) AS network_names,
           count(n.id)::int AS network_count,
           ST_AsBinary(ST_Transform(p.location, %(srid)s::int)) AS geom
      FROM scope_practices sp
      JOIN practices p ON p.id = sp.id
      LEFT JOIN cur ON cur.practice_id = p.id
      LEFT JOIN networks n ON n.id = cur.network_id
     GROUP BY p.id
     ORDER BY p.ods_code
    """
)

# Network geometry: its polygon when it has one, else the convex hull of its located current
# members, built in EPSG:27700 and widened by HULL_BUFFER_M (as the web map does).
_NETWORKS = sql.SQL(
    """
    , stats AS (
        SELECT cur.network_id,
               count(*)::int AS member_count,
               sum(p.list_size)::bigint AS population,
               count(*) FILTER (WHERE p.list_size IS NULL)::int AS members_without_list_size,
               ST_ConvexHull(ST_Collect(ST_Transform(p.location, 27700))) AS hull
          FROM cur JOIN scope_networks sn ON sn.id = cur.network_id
          JOIN practices p ON p.id = cur.practice_id
         GROUP BY cur.network_id
    )
    SELECT n.code, n.name, n.lead_commissioner_code,
           coalesce(s.member_count, 0) AS member_count, s.population,
           coalesce(s.members_without_list_size, 0) AS members_without_list_size,
           CASE WHEN n.geom IS NOT NULL THEN 'polygon'
                WHEN s.hull IS NOT NULL THEN 'member_hull' ELSE 'none' END AS geometry_source,
           n.geom_made_valid,
           ST_AsBinary(ST_Transform(
               CASE WHEN n.geom IS NOT NULL THEN n.geom
                    WHEN s.hull IS NULL THEN NULL
                    ELSE ST_Transform(ST_Multi(ST_Buffer(s.hull, %(hull_buffer)s, 8)), 4326)
               END, %(srid)s::int)) AS geom
      FROM scope_networks sn
      JOIN networks n ON n.id = sn.id
      LEFT JOIN stats s ON s.network_id = n.id
     ORDER BY n.code
    """
)

_MEMBERSHIPS = sql.SQL(
    """
    SELECT n.code AS network_code, n.name AS network_name, p.ods_code AS practice_code, p.name AS practice_name,
           to_char(m.start_date, 'YYYY-MM-DD') AS start_date, to_char(m.end_date, 'YYYY-MM-DD') AS end_date,
           (m.end_date IS NULL OR m.end_date >= current_date) AS is_current
      FROM memberships m
      JOIN scope_networks sn ON sn.id = m.network_id
      JOIN networks n ON n.id = m.network_id
      JOIN practices p ON p.id = m.practice_id
     WHERE m.scenario_id = %(scenario_id)s
     ORDER BY n.code, p.ods_code, m.start_date NULLS FIRST
    """
)


def _run(conn, query: sql.Composable, params: dict) -> tuple[list[str], list[tuple]]:
    with conn.cursor() as cur:
        cur.execute(query, params)
        columns = [d.name for d in cur.description]
        return columns, cur.fetchall()


def _scope_params(scope: dict) -> dict:
    return {
        "scenario_id": scope["scenario_id"],
        "area_id": scope.get("area_id"),
        "network_id": scope.get("network_id"),
        "srid": scope["srid"],
        "hull_buffer": HULL_BUFFER_M,
    }


def practices(conn, scope: dict) -> tuple[list[str], list[tuple]]:
    """Practices in scope with their current networks in the scenario; geometry column ``geom`` (WKB)."""
    return _run(conn, _SCOPE + _PRACTICES, _scope_params(scope))


def networks(conn, scope: dict) -> tuple[list[str], list[tuple]]:
    """Networks in scope with member count, population and polygon (or member hull)."""
    return _run(conn, _SCOPE + _NETWORKS, _scope_params(scope))


def memberships(conn, scope: dict) -> tuple[list[str], list[tuple]]:
    """All memberships (current and ended) of networks in scope; no geometry."""
    return _run(conn, _SCOPE + _MEMBERSHIPS, _scope_params(scope))


def areas(conn, scope: dict, boundary_set_id: int, bbox_4326: tuple[float, float, float, float] | None = None):
    """Areas of the boundary set: the scope's area only, else all (or those meeting ``bbox_4326``)."""
    params = {**_scope_params(scope), "bs": boundary_set_id, "bbox": bbox_4326 is not None}
    params.update(dict(zip(("xmin", "ymin", "xmax", "ymax"), bbox_4326 or (0, 0, 0, 0), strict=True)))
    query = sql.SQL(
        """
        SELECT a.ods_code, a.gss_code, a.name, bs.slug AS boundary_set, a.made_valid,
               (SELECT count(*)::int FROM practices p
                 WHERE p.status = 'active' AND p.commissioner_code = a.ods_code) AS practice_count,
               (SELECT sum(p.list_size)::bigint FROM practices p
                 WHERE p.status = 'active' AND p.commissioner_code = a.ods_code) AS population,
               (SELECT count(*)::int FROM networks n
                 WHERE n.scenario_id = %(scenario_id)s AND n.lead_commissioner_code = a.ods_code) AS network_count,
               ST_AsBinary(ST_Transform(a.geom, %(srid)s::int)) AS geom
          FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id
         WHERE a.boundary_set_id = %(bs)s
           AND (%(area_id)s::int IS NULL OR a.id = %(area_id)s::int)
           AND (NOT %(bbox)s OR a.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326))
         ORDER BY a.ods_code NULLS LAST, a.gss_code
        """
    )
    return _run(conn, query, params)


def find_scenario(conn, slug: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute("SELECT id, slug, name FROM scenarios WHERE slug = %(slug)s", {"slug": slug})
        return cur.fetchone()


def find_boundary_set(conn, slug: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute("SELECT id, slug, name, level, vintage FROM boundary_sets WHERE slug = %(slug)s", {"slug": slug})
        return cur.fetchone()


def best_boundary_set(conn, scenario_id: int) -> dict | None:
    """The boundary set whose area codes match most of the scenario's lead commissioners (newest on a tie)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT bs.id, bs.slug, bs.name, bs.level, bs.vintage
              FROM boundary_sets bs
             ORDER BY (SELECT count(*) FROM networks n JOIN areas a
                         ON a.boundary_set_id = bs.id AND a.ods_code = n.lead_commissioner_code
                        WHERE n.scenario_id = %(sc)s) DESC,
                      bs.vintage DESC, bs.slug
             LIMIT 1
            """,
            {"sc": scenario_id},
        )
        return cur.fetchone()


def find_area(conn, boundary_set_id: int, code: str) -> dict | None:
    """An area by ODS code (``99J``) or GSS code (``E38000199``), case-insensitive."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT id, ods_code, gss_code, name FROM areas
             WHERE boundary_set_id = %(bs)s AND (upper(ods_code) = upper(%(code)s) OR upper(gss_code) = upper(%(code)s))
             ORDER BY (upper(ods_code) = upper(%(code)s)) DESC LIMIT 1
            """,
            {"bs": boundary_set_id, "code": code},
        )
        return cur.fetchone()


def find_network(conn, scenario_id: int, code: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT id, code, name, lead_commissioner_code FROM networks
                WHERE scenario_id = %(sc)s AND upper(code) = upper(%(code)s)""",
            {"sc": scenario_id, "code": code},
        )
        return cur.fetchone()
