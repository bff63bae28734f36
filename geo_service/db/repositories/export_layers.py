"""SQL for GIS exports and print maps: one query per layer, over the scope fragments.

Every query reads practices through :mod:`geo_service.db.repositories.scope` only: practice state as of the
scope (``ps``: the scenario's register, list-size and postcode extracts), current membership on the
scenario's ``as_of`` and "in the area" — bound with the values of one resolved
:class:`geo_service.scope.Scope` (``Scope.values()``), plus ``network_id`` (a network print, else NULL),
``srid`` (output CRS, from ``crs.ALLOWED_OUTPUT_SRIDS``) and ``hull_buffer``. Nothing of another dataset or
another extract can enter: the scenario, its extracts and its boundary set are of one dataset.

What is in scope:

* networks: the scenario's networks in the scope's area (led by it, or with a current member in it), or
  the one network of a network print;
* practices: the active GP practices of the scenario's nation in the area (commissioned by it or located
  in it; everywhere without an area), plus every current member of a network in scope (so a
  cross-boundary network is shown whole, and members of other nations or missing from the register
  appear as members); a network print shows its current members only;
* memberships: the memberships current on ``as_of`` of the networks in scope.

Geometry leaves the database as WKB in the requested SRID (``ST_Transform`` to 4326 is a no-op).
"""

from __future__ import annotations

from psycopg2 import sql

from geo_service.db.repositories import scope

# A network without a polygon is drawn as the convex hull of its located current members, widened
# by this many metres (in EPSG:27700): the same shape the web map draws.
HULL_BUFFER_M = 400.0

# Shared CTEs: practice state (ps), the networks in scope, their current memberships and the practices
# in scope.
_CTES = sql.SQL(
    """
    WITH {ps},
    scope_networks AS MATERIALIZED (
        SELECT n.id FROM networks n
         WHERE n.scenario_id = %(scenario_id)s
           AND (%(network_id)s::int IS NULL OR n.id = %(network_id)s::int)
           AND {network_in_area}
    ),
    cur AS MATERIALIZED (
        SELECT m.network_id, m.practice_id, m.start_date, m.end_date FROM memberships m
         WHERE m.scenario_id = %(scenario_id)s AND {current}
    ),
    scope_practices AS MATERIALIZED (
        SELECT ps.practice_id FROM ps
         WHERE %(network_id)s::int IS NULL AND {in_scope} AND {in_area}
        UNION
        SELECT cur.practice_id FROM cur JOIN scope_networks sn ON sn.id = cur.network_id
    )
    """
).format(
    ps=scope.practice_state_cte("ps"),
    network_in_area=scope.network_in_area("n"),
    current=scope.current_membership("m"),
    in_scope=scope.in_scope_practice("ps"),
    in_area=scope.practice_in_area("ps"),
)

_PRACTICES = sql.SQL(
    """
    SELECT ps.ods_code, ps.name, ps.postcode, ps.commissioner_code, ps.nation, ps.status, ps.in_register,
           ps.list_size, to_char(ps.list_size_date, 'YYYY-MM-DD') AS list_size_date, ps.extended_hours,
           nets.network_codes, nets.network_names, coalesce(nets.network_count, 0) AS network_count,
           ST_AsBinary(ST_Transform(ps.location, %(srid)s::int)) AS geom
      FROM scope_practices sp
      JOIN ps ON ps.practice_id = sp.practice_id
      LEFT JOIN (SELECT cur.practice_id,
                        string_agg(n.code, ',' ORDER BY n.code) AS network_codes,
                        string_agg(n.name, '; ' ORDER BY n.code) AS network_names,
                        count(*)::int AS network_count
                   FROM cur JOIN networks n ON n.id = cur.network_id
                  GROUP BY cur.practice_id) nets ON nets.practice_id = ps.practice_id
     ORDER BY ps.ods_code
    """
)

# Network geometry: its polygon when it has one, else the convex hull of its located current
# members, built in EPSG:27700 and widened by HULL_BUFFER_M (as the web map does). Population: the
# sum of its current members' known list sizes (0 without members, NULL when none is known).
_NETWORKS = sql.SQL(
    """
    , stats AS (
        SELECT cur.network_id,
               count(*)::int AS member_count,
               sum(ps.list_size)::bigint AS population,
               count(*) FILTER (WHERE ps.list_size IS NULL)::int AS members_without_list_size,
               ST_ConvexHull(ST_Collect(ST_Transform(ps.location, 27700))) AS hull
          FROM cur JOIN scope_networks sn ON sn.id = cur.network_id
          JOIN ps ON ps.practice_id = cur.practice_id
         GROUP BY cur.network_id
    )
    SELECT n.code, n.name, n.lead_commissioner_code,
           coalesce(s.member_count, 0) AS member_count,
           CASE WHEN s.network_id IS NULL THEN 0 ELSE s.population END AS population,
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
    SELECT n.code AS network_code, n.name AS network_name, ps.ods_code AS practice_code, ps.name AS practice_name,
           to_char(cur.start_date, 'YYYY-MM-DD') AS start_date, to_char(cur.end_date, 'YYYY-MM-DD') AS end_date
      FROM cur
      JOIN scope_networks sn ON sn.id = cur.network_id
      JOIN networks n ON n.id = cur.network_id
      JOIN ps ON ps.practice_id = cur.practice_id
     ORDER BY n.code, ps.ods_code, cur.start_date NULLS FIRST
    """
)

# Areas of the scope's boundary set with the in-scope practices they commission (and their known list
# sizes) and the networks they lead.
_AREAS = sql.SQL(
    """
    WITH {ps},
    commissioned AS (
        SELECT ps.commissioner_code, count(*)::int AS practice_count, sum(ps.list_size)::bigint AS population
          FROM ps WHERE {in_scope} AND ps.commissioner_code IS NOT NULL
         GROUP BY ps.commissioner_code
    ),
    led AS (
        SELECT n.lead_commissioner_code, count(*)::int AS network_count FROM networks n
         WHERE n.scenario_id = %(scenario_id)s GROUP BY n.lead_commissioner_code
    )
    SELECT a.ods_code, a.gss_code, a.name, bs.slug AS boundary_set, a.made_valid,
           coalesce(c.practice_count, 0) AS practice_count, c.population,
           coalesce(l.network_count, 0) AS network_count,
           ST_AsBinary(ST_Transform(a.geom, %(srid)s::int)) AS geom
      FROM areas a
      JOIN boundary_sets bs ON bs.id = a.boundary_set_id
      LEFT JOIN commissioned c ON c.commissioner_code = a.ods_code
      LEFT JOIN led l ON l.lead_commissioner_code = a.ods_code
     WHERE a.boundary_set_id = %(bs_id)s
       AND (%(only_area_id)s::int IS NULL OR a.id = %(only_area_id)s::int)
       AND (NOT %(bbox)s OR a.geom && ST_MakeEnvelope(%(xmin)s, %(ymin)s, %(xmax)s, %(ymax)s, 4326))
     ORDER BY a.ods_code NULLS LAST, a.gss_code
    """
).format(ps=scope.practice_state_cte("ps", with_location=False), in_scope=scope.in_scope_practice("ps"))


def _run(conn, query: sql.Composable, values: dict) -> tuple[list[str], list[tuple]]:
    with conn.cursor() as cur:
        cur.execute(query, values)
        columns = [d.name for d in cur.description]
        return columns, cur.fetchall()


def _values(values: dict) -> dict:
    """``Scope.values()`` plus ``network_id`` and ``srid`` (given by the caller) and the hull buffer."""
    return {"network_id": None, **values, "hull_buffer": HULL_BUFFER_M}


def practices(conn, values: dict) -> tuple[list[str], list[tuple]]:
    """Practices in scope with their current networks in the scenario; geometry column ``geom`` (WKB)."""
    return _run(conn, _CTES + _PRACTICES, _values(values))


def networks(conn, values: dict) -> tuple[list[str], list[tuple]]:
    """Networks in scope with current member count, population and polygon (or member hull)."""
    return _run(conn, _CTES + _NETWORKS, _values(values))


def memberships(conn, values: dict) -> tuple[list[str], list[tuple]]:
    """The memberships current on ``as_of`` of networks in scope, with their dates; no geometry."""
    return _run(conn, _CTES + _MEMBERSHIPS, _values(values))


def areas(
    conn, values: dict, bbox_4326: tuple[float, float, float, float] | None = None, whole_set: bool = False
) -> tuple[list[str], list[tuple]]:
    """Areas of the scope's boundary set: the scope's area only (unless ``whole_set``), else all (or those
    meeting ``bbox_4326``)."""
    params = {
        **_values(values),
        "only_area_id": None if whole_set else values.get("area_id"),
        "bbox": bbox_4326 is not None,
    }
    params.update(dict(zip(("xmin", "ymin", "xmax", "ymax"), bbox_4326 or (0, 0, 0, 0), strict=True)))
    return _run(conn, _AREAS, params)
