"""SQL for map layers: geometry simplified for the view in metres (EPSG:27700), rounded GeoJSON.

Every query returns only the properties a map shows. Geometry comes back as a GeoJSON text
(``ST_AsGeoJSON(..., 5)``: ~1 m precision) so the service can splice it into a feature
without parsing it. ``tolerance`` is metres, chosen by the caller for the view.

Practices are read only through the scope fragments (:mod:`geo_service.db.repositories.scope`): practice
state as of the scope (its register, list-size and postcode extracts), current memberships on its ``as_of``,
"in the area" in its boundary set. ``values`` is always a resolved scope's ``Scope.values()``, plus the
query's own values.
"""

from __future__ import annotations

from psycopg2 import sql

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories import scope as scope_sql

# Fragments are constants composed with psycopg2.sql (never user input); values are always bound.
_PS = scope_sql.practice_state_cte("ps")
_CURRENT = scope_sql.current_membership("m")
_IN_AREA = scope_sql.practice_in_area("ps")
_NETWORK_IN_AREA = scope_sql.network_in_area("n")
_IN_SCOPE = scope_sql.in_scope_practice("ps")


# The area of the scope's boundary set a practice (practice-state row ``ps``) belongs to on the overview and
# in search: the area its location is in, else its commissioner's area.
_HOME_AREA = sql.SQL(
    """coalesce((SELECT coalesce(ha.ods_code, ha.gss_code) FROM point_areas hpa JOIN areas ha ON ha.id = hpa.area_id
                 WHERE hpa.point_id = ps.point_id AND hpa.boundary_set_id = %(bs_id)s),
                (SELECT coalesce(ca.ods_code, ca.gss_code) FROM areas ca
                  WHERE ca.boundary_set_id = %(bs_id)s AND ca.ods_code = ps.commissioner_code
                  ORDER BY ca.id LIMIT 1))"""
)


def _simplified(column: str) -> sql.Composable:
    """Geometry for display: simplify in metres, back to lon/lat, 5 decimals."""
    return sql.SQL(
        "ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(ST_Transform({col}, 27700), %(tol)s), 4326), 5)"
    ).format(col=sql.Identifier(*column.split(".")))


# ---- areas (no practice facts) -------------------------------------------------------------------


def area_bounds(conn, area_id: int) -> dict | None:
    """An area's bounding box (south, west, north, east)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT ST_YMin(a.geom) AS south, ST_XMin(a.geom) AS west, ST_YMax(a.geom) AS north,
                      ST_XMax(a.geom) AS east
                 FROM areas a WHERE a.id = %(id)s""",
            {"id": area_id},
        )
        return cur.fetchone()


def area_features(conn, boundary_set_id: int, tolerance: float, digits: int = 5) -> list[dict]:
    """Every area of a boundary set, simplified, with ``digits`` coordinate decimals."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT coalesce(a.ods_code, a.gss_code) AS code, a.name,
                   ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(ST_Transform(a.geom, 27700), %(tol)s), 4326),
                                %(digits)s) AS geometry
              FROM areas a
             WHERE a.boundary_set_id = %(bs)s
             ORDER BY a.name
            """,
            {"bs": boundary_set_id, "tol": tolerance, "digits": digits},
        )
        return cur.fetchall()


def area_and_neighbours(conn, area_id: int, tolerance: float, neighbour_tolerance: float) -> list[dict]:
    """The area itself (``is_focus``) and the areas of the same set that touch it."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT coalesce(n.ods_code, n.gss_code) AS code, n.name, n.id = t.id AS is_focus,
                   ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(ST_Transform(n.geom, 27700),
                       CASE WHEN n.id = t.id THEN %(tol)s ELSE %(ntol)s END), 4326), 5) AS geometry
              FROM areas t JOIN areas n ON n.boundary_set_id = t.boundary_set_id
                   AND (n.id = t.id OR ST_Intersects(n.geom, t.geom))
             WHERE t.id = %(id)s
             ORDER BY n.id = t.id, n.name
            """,
            {"id": area_id, "tol": tolerance, "ntol": neighbour_tolerance},
        )
        return cur.fetchall()


def boundary_set_extent(conn, boundary_set_id: int) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT ST_YMin(e) AS south, ST_XMin(e) AS west, ST_YMax(e) AS north, ST_XMax(e) AS east
              FROM (SELECT ST_Extent(a.geom) AS e FROM areas a WHERE a.boundary_set_id = %(bs)s) x
            """,
            {"bs": boundary_set_id},
        )
        return cur.fetchone()


# ---- networks and practices in a scope -------------------------------------------------------------


def network_features(
    conn, values: dict, tolerance: float, network_id: int | None = None, hull_buffer: float = 400.0
) -> list[dict]:
    """Networks of the scope's area (led from it, or with a current member in it), or the one network
    ``network_id``: each with its polygon, or a buffered convex hull of its located current members."""
    if network_id is not None:
        where = sql.SQL("n.id = %(network_id)s")
    else:
        where = _NETWORK_IN_AREA
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            WITH {ps},
            members AS (
                SELECT m.network_id, ps.list_size, ps.location
                  FROM memberships m JOIN ps ON ps.practice_id = m.practice_id
                 WHERE m.scenario_id = %(scenario_id)s AND {current}
            )
            SELECT n.code, n.name, n.lead_commissioner_code AS lead, n.geom IS NOT NULL AS has_polygon,
                   count(mb.network_id)::int AS members,
                   sum(mb.list_size)::bigint AS population,
                   count(mb.network_id) FILTER (WHERE mb.list_size IS NULL)::int AS unknown_sizes,
                   CASE WHEN n.geom IS NOT NULL THEN {simplified}
                        ELSE ST_AsGeoJSON(ST_Transform(ST_Buffer(ST_ConvexHull(
                                 ST_Collect(ST_Transform(mb.location, 27700))), %(buf)s, 8), 4326), 5)
                   END AS geometry,
                   ST_AsGeoJSON(ST_PointOnSurface(coalesce(n.geom,
                       ST_Transform(ST_ConvexHull(ST_Collect(ST_Transform(mb.location, 27700))), 4326))), 5)
                       AS label_point
              FROM networks n LEFT JOIN members mb ON mb.network_id = n.id
             WHERE n.scenario_id = %(scenario_id)s AND {where}
             GROUP BY n.id
             ORDER BY n.code
            """
            ).format(ps=_PS, current=_CURRENT, simplified=_simplified("n.geom"), where=where),
            {**values, "tol": tolerance, "buf": hull_buffer, "network_id": network_id},
        )
        return cur.fetchall()


def network_adjacency(conn, values: dict, codes: list[str], gap_m: float = 50.0, hull_buffer: float = 400.0):
    """Pairs (code, code) of the given networks whose shapes (polygon, else the buffered hull of their located
    current members, as drawn) touch, overlap or lie within ``gap_m`` metres: the graph the map colours so
    that neighbours never share a colour. ``gap_m`` covers what simplification for display may close."""
    if not codes:
        return []
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                """
            WITH {ps},
            shapes AS MATERIALIZED (
                SELECT n.code,
                       coalesce(ST_Transform(n.geom, 27700),
                                ST_Buffer(ST_ConvexHull(ST_Collect(ST_Transform(ps.location, 27700))), %(buf)s, 8))
                           AS g
                  FROM networks n
                  LEFT JOIN memberships m ON m.network_id = n.id AND n.geom IS NULL AND {current}
                  LEFT JOIN ps ON ps.practice_id = m.practice_id
                 WHERE n.scenario_id = %(scenario_id)s AND n.code = ANY(%(codes)s)
                 GROUP BY n.id
            )
            SELECT a.code, b.code FROM shapes a JOIN shapes b ON a.code < b.code AND ST_DWithin(a.g, b.g, %(gap)s)
             WHERE a.g IS NOT NULL AND b.g IS NOT NULL
             ORDER BY 1, 2
            """
            ).format(ps=_PS, current=_CURRENT),
            {**values, "codes": list(codes), "gap": gap_m, "buf": hull_buffer},
        )
        return [(a, b) for a, b in cur.fetchall()]


def practice_features(conn, values: dict, network_id: int | None = None) -> list[dict]:
    """Active located practices of the scope's area (commissioned by it, located in it, or current members
    of one of its networks), or the current members of the network ``network_id``; each with its current
    network(s) in the scenario."""
    if network_id is not None:
        where = sql.SQL("ps.practice_id IN (SELECT c.practice_id FROM cur c WHERE c.network_id = %(network_id)s)")
    else:
        where = sql.SQL(
            """(({in_scope} AND {in_area})
                OR ps.practice_id IN (SELECT c.practice_id FROM cur c
                                        JOIN networks n ON n.id = c.network_id
                                       WHERE n.scenario_id = %(scenario_id)s AND {network_in_area}))"""
        ).format(in_scope=_IN_SCOPE, in_area=_IN_AREA, network_in_area=_NETWORK_IN_AREA)
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            WITH {ps},
            cur AS (
                SELECT m.practice_id, m.network_id FROM memberships m
                 WHERE m.scenario_id = %(scenario_id)s AND {current}
            )
            SELECT ps.ods_code AS code, ps.name, ps.postcode, ps.list_size, ps.list_size_date,
                   ps.commissioner_code AS commissioner,
                   coalesce(nets.codes, ARRAY[]::text[]) AS networks,
                   coalesce(nets.names, ARRAY[]::text[]) AS network_names,
                   ST_X(ps.location) AS lon, ST_Y(ps.location) AS lat,
                   ({in_scope} AND {in_area}) AS in_area
              FROM ps
              LEFT JOIN LATERAL (
                   SELECT array_agg(n.code ORDER BY n.code) AS codes, array_agg(n.name ORDER BY n.code) AS names
                     FROM cur c JOIN networks n ON n.id = c.network_id
                    WHERE c.practice_id = ps.practice_id) nets ON true
             WHERE ps.status = 'active' AND ps.location IS NOT NULL AND {where}
             ORDER BY ps.ods_code
            """
            ).format(ps=_PS, current=_CURRENT, where=where, in_scope=_IN_SCOPE, in_area=_IN_AREA),
            {**values, "network_id": network_id},
        )
        return cur.fetchall()


def network_bounds(conn, values: dict, network_id: int) -> dict | None:
    """A network with its bounding box (its polygon, else its located current members)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            WITH {ps}
            SELECT n.id, n.code, n.name, n.lead_commissioner_code AS lead, n.geom IS NOT NULL AS has_polygon,
                   ST_YMin(b) AS south, ST_XMin(b) AS west, ST_YMax(b) AS north, ST_XMax(b) AS east
              FROM networks n,
                   LATERAL (SELECT coalesce(n.geom::box2d, (SELECT ST_Extent(ps.location) FROM memberships m
                              JOIN ps ON ps.practice_id = m.practice_id
                             WHERE m.network_id = n.id AND {current})) AS b) bb
             WHERE n.id = %(network_id)s AND n.scenario_id = %(scenario_id)s
            """
            ).format(ps=_PS, current=_CURRENT),
            {**values, "network_id": network_id},
        )
        return cur.fetchone()


def member_areas(conn, values: dict, network_id: int, tolerance: float) -> list[dict]:
    """Areas of the scope's boundary set holding the network's lead commissioner, or the commissioner or
    the location of a current member."""
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            WITH {ps},
            mem AS (
                SELECT ps.commissioner_code, ps.point_id FROM memberships m JOIN ps ON ps.practice_id = m.practice_id
                 WHERE m.network_id = %(network_id)s AND {current}
            )
            SELECT coalesce(a.ods_code, a.gss_code) AS code, a.name, {simplified} AS geometry
              FROM areas a
             WHERE a.boundary_set_id = %(bs_id)s
               AND (a.ods_code = (SELECT lead_commissioner_code FROM networks WHERE id = %(network_id)s)
                    OR a.ods_code IN (SELECT commissioner_code FROM mem)
                    OR a.id IN (SELECT pa.area_id FROM point_areas pa JOIN mem ON mem.point_id = pa.point_id
                                 WHERE pa.boundary_set_id = %(bs_id)s))
             ORDER BY a.name
            """
            ).format(ps=_PS, current=_CURRENT, simplified=_simplified("a.geom")),
            {**values, "network_id": network_id, "tol": tolerance},
        )
        return cur.fetchall()


def network_home_areas(conn, values: dict) -> dict[str, str]:
    """Network code → the area of the scope's boundary set it counts in on the overview: its lead
    commissioner's area, else the area holding most of its located current members."""
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                """
            WITH {ps},
            located AS (
                SELECT m.network_id, pa.area_id, count(*) AS members
                  FROM memberships m
                  JOIN ps ON ps.practice_id = m.practice_id
                  JOIN point_areas pa ON pa.point_id = ps.point_id AND pa.boundary_set_id = %(bs_id)s
                 WHERE m.scenario_id = %(scenario_id)s AND {current}
                 GROUP BY m.network_id, pa.area_id
            ),
            most AS (
                SELECT DISTINCT ON (network_id) network_id, area_id FROM located
                 ORDER BY network_id, members DESC, area_id
            )
            SELECT n.code,
                   coalesce((SELECT coalesce(la.ods_code, la.gss_code) FROM areas la
                              WHERE la.boundary_set_id = %(bs_id)s AND la.ods_code = n.lead_commissioner_code
                              ORDER BY la.id LIMIT 1),
                            coalesce(ma.ods_code, ma.gss_code)) AS area
              FROM networks n
              LEFT JOIN most ON most.network_id = n.id
              LEFT JOIN areas ma ON ma.id = most.area_id
             WHERE n.scenario_id = %(scenario_id)s
            """
            ).format(ps=_PS, current=_CURRENT),
            values,
        )
        return {code: area for code, area in cur.fetchall() if area}


def practice_home_areas(conn, values: dict, practice_codes: list[str]) -> dict[str, str]:
    """Practice ODS code → the area of the scope's boundary set it counts in: the area it is located in,
    else its commissioner's area (for the given practices)."""
    if not practice_codes:
        return {}
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                """
            WITH {ps}
            SELECT ps.ods_code,
                   {home_area} AS area
              FROM ps
             WHERE ps.ods_code = ANY(%(codes)s)
            """
            ).format(ps=_PS, home_area=_HOME_AREA),
            {**values, "codes": list(practice_codes)},
        )
        return {code: area for code, area in cur.fetchall() if area}


def search_practices(conn, values: dict, query: str, limit: int = 10) -> list[dict]:
    """Active practices of the scope matching a name fragment, an ODS code or a postcode prefix, with the
    code of the area (of the scope's boundary set) they sit in, else their commissioner's area."""

    def literal(text: str) -> str:  # LIKE wildcards in the query are plain text
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

    compact = query.replace(" ", "").upper()
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            WITH {ps}
            SELECT ps.ods_code AS code, ps.name, ps.postcode,
                   {home_area} AS area
              FROM ps
             WHERE ps.status = 'active'
               AND (ps.name ILIKE %(like)s OR upper(ps.ods_code) = %(compact)s
                    OR upper(replace(ps.postcode, ' ', '')) LIKE %(prefix)s)
             ORDER BY upper(ps.ods_code) = %(compact)s DESC, ps.name, ps.ods_code
             LIMIT %(limit)s
            """
            ).format(ps=_PS, home_area=_HOME_AREA),
            {
                **values,
                "like": "%" + literal(query) + "%",
                "compact": compact,
                "prefix": literal(compact) + "%",
                "limit": limit,
            },
        )
        return cur.fetchall()
