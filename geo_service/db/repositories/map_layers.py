"""SQL for map layers: geometry simplified for the view in metres (EPSG:27700), rounded GeoJSON.

Every query returns only the properties a map shows. Geometry comes back as a GeoJSON text
(``ST_AsGeoJSON(..., 5)``: ~1 m precision) so the service can splice it into a feature
without parsing it. ``tolerance`` is metres, chosen by the caller for the view.
"""

from __future__ import annotations

from psycopg2 import sql

from geo_service.db.pool import dict_cursor


# Geometry for display: simplify in metres, back to lon/lat, 5 decimals.
# Fragments are constants composed with psycopg2.sql (never user input); values are always bound.
def _simplified(column: str) -> sql.Composable:
    return sql.SQL(
        "ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(ST_Transform({col}, 27700), %(tol)s), 4326), 5)"
    ).format(col=sql.Identifier(*column.split(".")))


_CURRENT = sql.SQL("(m.end_date IS NULL OR m.end_date >= current_date)")


def scenario(conn, slug: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute("SELECT id, slug, name FROM scenarios WHERE slug = %(slug)s", {"slug": slug})
        return cur.fetchone()


def boundary_set(conn, slug: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute("SELECT id, slug, name, level, vintage FROM boundary_sets WHERE slug = %(slug)s", {"slug": slug})
        return cur.fetchone()


def boundary_sets_with_area(conn, code: str) -> list[str]:
    """Slugs of the boundary sets holding an area with this ODS or GSS code, newest first."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT bs.slug FROM boundary_sets bs JOIN areas a ON a.boundary_set_id = bs.id
             WHERE a.ods_code = %(code)s OR a.gss_code = %(code)s
             ORDER BY bs.vintage DESC, bs.name
            """,
            {"code": code},
        )
        return [r[0] for r in cur.fetchall()]


def newest_boundary_set(conn) -> str | None:
    with conn.cursor() as cur:
        cur.execute("SELECT slug FROM boundary_sets ORDER BY vintage DESC, name LIMIT 1")
        row = cur.fetchone()
        return row[0] if row else None


def area(conn, boundary_set_slug: str, code: str) -> dict | None:
    """The area (by ODS or GSS code) with its bounding box [[south, west], [north, east]]."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT a.id, coalesce(a.ods_code, a.gss_code) AS code, a.ods_code, a.gss_code, a.name,
                   ST_YMin(a.geom) AS south, ST_XMin(a.geom) AS west, ST_YMax(a.geom) AS north, ST_XMax(a.geom) AS east
              FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id
             WHERE bs.slug = %(bs)s AND (a.ods_code = %(code)s OR a.gss_code = %(code)s)
            """,
            {"bs": boundary_set_slug, "code": code},
        )
        return cur.fetchone()


def area_features(conn, boundary_set_slug: str, tolerance: float, digits: int = 5) -> list[dict]:
    """Every area of a boundary set, simplified, with ``digits`` coordinate decimals."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT coalesce(a.ods_code, a.gss_code) AS code, a.name,
                   ST_AsGeoJSON(ST_Transform(ST_SimplifyPreserveTopology(ST_Transform(a.geom, 27700), %(tol)s), 4326),
                                %(digits)s) AS geometry
              FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id
             WHERE bs.slug = %(bs)s
             ORDER BY a.name
            """,
            {"bs": boundary_set_slug, "tol": tolerance, "digits": digits},
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


# Networks "of an area": led from it, or with a current member commissioned by it or located in it.
# Written as UNIONs so that each branch can use its index (commissioner, GiST on location).
_AREA_NETWORKS = sql.SQL(
    """
    WITH local_practices AS (
        SELECT p.id FROM practices p WHERE p.commissioner_code = %(ods)s
        UNION
        SELECT p.id FROM practices p JOIN areas a ON a.id = %(aid)s AND ST_Intersects(p.location, a.geom)
    )
    SELECT n.id FROM networks n WHERE n.scenario_id = %(sid)s AND n.lead_commissioner_code = %(ods)s
    UNION
    SELECT m.network_id FROM memberships m JOIN local_practices lp ON lp.id = m.practice_id
     WHERE m.scenario_id = %(sid)s AND {current}
"""
).format(current=_CURRENT)


def network_features(
    conn,
    scenario_id: int,
    tolerance: float,
    area_id: int | None = None,
    area_ods: str | None = None,
    network_codes: list[str] | None = None,
    hull_buffer: float = 400.0,
) -> list[dict]:
    """Networks with their polygon, or a buffered convex hull of their located current members."""
    if network_codes is not None:
        where = sql.SQL("n.scenario_id = %(sid)s AND n.code = ANY(%(codes)s)")
        params = {"codes": list(network_codes)}
    else:
        where = sql.SQL("n.id IN ({})").format(_AREA_NETWORKS)
        params = {"aid": area_id, "ods": area_ods}
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            WITH members AS (
                SELECT m.network_id, p.list_size, p.location
                  FROM memberships m JOIN practices p ON p.id = m.practice_id
                 WHERE m.scenario_id = %(sid)s AND {current}
            )
            SELECT n.code, n.name, n.lead_commissioner_code AS lead, n.geom IS NOT NULL AS has_polygon,
                   count(mb.network_id)::int AS members,
                   sum(mb.list_size)::bigint AS population,
                   count(mb.network_id) FILTER (WHERE mb.list_size IS NULL)::int AS unknown_sizes,
                   CASE WHEN n.geom IS NOT NULL THEN {simplified}
                        ELSE ST_AsGeoJSON(ST_Transform(ST_Buffer(ST_ConvexHull(
                                 ST_Collect(ST_Transform(mb.location, 27700))), %(buf)s, 8), 4326), 5)
                   END AS geometry
              FROM networks n LEFT JOIN members mb ON mb.network_id = n.id
             WHERE {where}
             GROUP BY n.id
             ORDER BY n.code
            """
            ).format(current=_CURRENT, simplified=_simplified("n.geom"), where=where),
            {"sid": scenario_id, "tol": tolerance, "buf": hull_buffer, **params},
        )
        return cur.fetchall()


def practice_features(
    conn,
    scenario_id: int,
    area_id: int | None = None,
    area_ods: str | None = None,
    network_codes: list[str] | None = None,
) -> list[dict]:
    """Active located practices of an area (commissioned by it, inside it, or in one of its networks),
    or the current members of the given networks; each with its current network(s) in the scenario."""
    if network_codes is not None:
        where = sql.SQL(
            """p.id IN (SELECT m.practice_id FROM memberships m JOIN networks n ON n.id = m.network_id
                         WHERE n.scenario_id = %(sid)s AND n.code = ANY(%(codes)s) AND {current})"""
        ).format(current=_CURRENT)
        params = {"codes": list(network_codes)}
    else:
        where = sql.SQL(
            """p.id IN (SELECT p2.id FROM practices p2 WHERE p2.commissioner_code = %(ods)s
                        UNION
                        SELECT p2.id FROM practices p2 JOIN areas a ON a.id = %(aid)s
                                                        AND ST_Intersects(p2.location, a.geom)
                        UNION
                        SELECT m.practice_id FROM memberships m
                         WHERE m.scenario_id = %(sid)s AND {current} AND m.network_id IN ({area_networks}))"""
        ).format(current=_CURRENT, area_networks=_AREA_NETWORKS)
        params = {"aid": area_id, "ods": area_ods}
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            SELECT p.ods_code AS code, p.name, p.postcode, p.list_size, p.list_size_date,
                   p.commissioner_code AS commissioner,
                   coalesce(array_agg(n.code ORDER BY n.code) FILTER (WHERE n.code IS NOT NULL), ARRAY[]::text[])
                       AS networks,
                   coalesce(array_agg(n.name ORDER BY n.code) FILTER (WHERE n.code IS NOT NULL), ARRAY[]::text[])
                       AS network_names,
                   ST_X(p.location) AS lon, ST_Y(p.location) AS lat
              FROM practices p
              LEFT JOIN memberships m ON m.practice_id = p.id AND m.scenario_id = %(sid)s AND {current}
              LEFT JOIN networks n ON n.id = m.network_id
             WHERE p.status = 'active' AND p.location IS NOT NULL AND {where}
             GROUP BY p.id
             ORDER BY p.ods_code
            """
            ).format(current=_CURRENT, where=where),
            {"sid": scenario_id, **params},
        )
        return cur.fetchall()


def network(conn, scenario_id: int, code: str) -> dict | None:
    """A network with its bounding box (polygon, else its located members)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            SELECT n.id, n.code, n.name, n.lead_commissioner_code AS lead, n.geom IS NOT NULL AS has_polygon,
                   ST_YMin(b) AS south, ST_XMin(b) AS west, ST_YMax(b) AS north, ST_XMax(b) AS east
              FROM networks n,
                   LATERAL (SELECT coalesce(n.geom::box2d, (SELECT ST_Extent(p.location) FROM memberships m
                              JOIN practices p ON p.id = m.practice_id
                             WHERE m.network_id = n.id AND {current})) AS b) bb
             WHERE n.scenario_id = %(sid)s AND n.code = %(code)s
            """
            ).format(current=_CURRENT),
            {"sid": scenario_id, "code": code},
        )
        return cur.fetchone()


def member_areas(conn, scenario_id: int, network_id: int, boundary_set_slug: str, tolerance: float) -> list[dict]:
    """Areas of a boundary set holding the network's lead commissioner or any current member."""
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            SELECT coalesce(a.ods_code, a.gss_code) AS code, a.name, {simplified} AS geometry
              FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id
             WHERE bs.slug = %(bs)s
               AND (a.ods_code = (SELECT lead_commissioner_code FROM networks WHERE id = %(nid)s)
                    OR a.ods_code IN (SELECT p.commissioner_code FROM memberships m
                                        JOIN practices p ON p.id = m.practice_id
                                       WHERE m.network_id = %(nid)s AND {current})
                    OR EXISTS (SELECT 1 FROM memberships m JOIN practices p ON p.id = m.practice_id
                                WHERE m.network_id = %(nid)s AND {current} AND ST_Intersects(p.location, a.geom)))
             ORDER BY a.name
            """
            ).format(current=_CURRENT, simplified=_simplified("a.geom")),
            {"bs": boundary_set_slug, "nid": network_id, "tol": tolerance, "sid": scenario_id},
        )
        return cur.fetchall()


def network_areas(conn, scenario_id: int) -> dict[str, str]:
    """Network code → lead commissioner code, for counting findings per area."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT code, lead_commissioner_code FROM networks WHERE scenario_id = %(sid)s", {"sid": scenario_id}
        )
        return {code: lead for code, lead in cur.fetchall() if lead}


def practice_commissioners(conn) -> dict[str, str]:
    """Active practice ODS code → commissioner code, for counting findings per area."""
    with conn.cursor() as cur:
        cur.execute("SELECT ods_code, commissioner_code FROM practices WHERE status = 'active'")
        return {code: comm for code, comm in cur.fetchall() if comm}


def practice_networks(conn, scenario_id: int, practice_codes: list[str]) -> dict[str, list[str]]:
    """Practice ODS code → current network codes in a scenario (for comparing scenarios)."""
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                """
            SELECT p.ods_code, array_agg(n.code ORDER BY n.code)
              FROM memberships m JOIN practices p ON p.id = m.practice_id JOIN networks n ON n.id = m.network_id
             WHERE m.scenario_id = %(sid)s AND {current} AND p.ods_code = ANY(%(codes)s)
             GROUP BY p.ods_code
            """
            ).format(current=_CURRENT),
            {"sid": scenario_id, "codes": list(practice_codes)},
        )
        return dict(cur.fetchall())


def boundary_set_extent(conn, boundary_set_slug: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT ST_YMin(e) AS south, ST_XMin(e) AS west, ST_YMax(e) AS north, ST_XMax(e) AS east
              FROM (SELECT ST_Extent(a.geom) AS e FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id
                     WHERE bs.slug = %(bs)s) x
            """,
            {"bs": boundary_set_slug},
        )
        return cur.fetchone()


def search_practices(conn, boundary_set_slug: str, query: str, limit: int = 10) -> list[dict]:
    """Active practices matching a name fragment, an ODS code or a postcode prefix, with the code of
    the area (of the boundary set) they sit in, else their commissioner's code."""

    def literal(text: str) -> str:  # LIKE wildcards in the query are plain text
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

    like = "%" + literal(query) + "%"
    compact = query.replace(" ", "").upper()
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT p.ods_code AS code, p.name, p.postcode,
                   coalesce((SELECT coalesce(a.ods_code, a.gss_code) FROM areas a
                              WHERE a.boundary_set_id = bs.id AND ST_Intersects(a.geom, p.location) LIMIT 1),
                            (SELECT coalesce(a.ods_code, a.gss_code) FROM areas a
                              WHERE a.boundary_set_id = bs.id AND a.ods_code = p.commissioner_code)) AS area
              FROM practices p, boundary_sets bs
             WHERE bs.slug = %(bs)s AND p.status = 'active'
               AND (p.name ILIKE %(like)s OR p.ods_code = %(compact)s
                    OR upper(replace(p.postcode, ' ', '')) LIKE %(prefix)s)
             ORDER BY p.ods_code = %(compact)s DESC, p.name
             LIMIT %(limit)s
            """,
            {
                "bs": boundary_set_slug,
                "like": like,
                "compact": compact,
                "prefix": literal(compact) + "%",
                "limit": limit,
            },
        )
        return cur.fetchall()
