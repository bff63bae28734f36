"""SQL for the OGC API – Features collections and their vector tiles.

Four kinds of collection, each a *source* (one row per feature: ``fid``, ``geom`` in the storage SRID, its
properties) that the items query filters (bbox, property filters, dates), pages and turns into GeoJSON text
inside PostgreSQL (the service splices the texts without parsing them):

* ``areas``       the areas of one boundary set (``bs_id``);
* ``practices``   a scenario's practices as of its date: active GP practices of its nation, read through the
                  scope fragments (practice state as of the scope, current membership on ``as_of``);
* ``networks``    a scenario's networks with members, population and the rule findings (passed in as two
                  arrays, ``f_codes``/``f_keys``, computed by the rule engine);
* ``memberships`` every membership row of a scenario (with its dates), located at the member's postcode.

Values are always bound; filters and sort columns come from the allow-lists below (API name → SQL), and the
query envelope arrives already in the storage SRID (so the GiST index on the column is used).
"""

from __future__ import annotations

from psycopg2 import sql

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories import scope as scope_sql

_PS = scope_sql.practice_state_cte("ps")
_CURRENT = scope_sql.current_membership("m")
_IN_SCOPE = scope_sql.in_scope_practice("ps")

KINDS = ("areas", "practices", "networks", "memberships")

# ---- sources: one row per feature ------------------------------------------------------------------

_AREAS = sql.SQL(
    """
    SELECT coalesce(a.ods_code, a.gss_code) AS fid, a.geom,
           coalesce(a.ods_code, a.gss_code) AS code, a.ods_code, a.gss_code, a.name,
           round((ag.area_m2 / 1e6)::numeric, 1) AS area_km2
      FROM areas a LEFT JOIN area_geometry ag ON ag.area_id = a.id
     WHERE a.boundary_set_id = %(bs_id)s"""
)

_PRACTICES = sql.SQL(
    """
    SELECT ps.ods_code AS fid, ps.location AS geom,
           ps.ods_code, ps.name, ps.postcode, ps.list_size, ps.list_size_date,
           nets.codes AS network_code, nets.names AS network_name,
           ps.commissioner_code, com.name AS commissioner_name
      FROM ps
      LEFT JOIN LATERAL (
           SELECT string_agg(n.code, ', ' ORDER BY n.code) AS codes, string_agg(n.name, '; ' ORDER BY n.code) AS names
             FROM memberships m JOIN networks n ON n.id = m.network_id
            WHERE m.scenario_id = %(scenario_id)s AND m.practice_id = ps.practice_id AND {current}) nets ON true
      LEFT JOIN names com ON com.code = ps.commissioner_code
     WHERE {in_scope}"""
).format(current=_CURRENT, in_scope=_IN_SCOPE)

# Network profile figures (issue 25), passed in as one JSON object keyed by network code (``profiles``, computed by
# ``analysis.profiles``), with their SQL types; the sources' lines come as ``profile_sources``.
PROFILE_PROPERTIES = {
    "registered_patients": "float8",
    "weighted_patients": "float8",
    "weighted_ratio": "float8",
    "deprivation": "float8",
    "deprivation_decile": "int",
    "share_aged_65_plus": "float8",
    "rural_members": "int",
    "gms_members": "int",
    "pms_members": "int",
    "apms_members": "int",
    "dispensing_members": "int",
    "extended_hours_paid_share": "float8",
    "network_payments": "float8",
    "payments_per_registered": "float8",
    "payments_per_weighted": "float8",
    "profile_sources": "text",
}

# Networks: the polygon, else a buffered hull of the located current members (as the maps draw them). Members
# are aggregated once for the scenario (one pass over practice state), not per network.
_NETWORKS = sql.SQL(
    """
    SELECT n.code AS fid,
           coalesce(n.geom, ST_Multi(ST_Transform(ST_Buffer(ST_ConvexHull(mb.points), 400, 8), 4326))) AS geom,
           n.code, n.name, n.lead_commissioner_code, lead.name AS lead_commissioner_name,
           coalesce(mb.members, 0) AS members, mb.population, coalesce(mb.unknown_list_sizes, 0) AS unknown_list_sizes,
           coalesce(fk.keys, '') AS findings,
           coalesce(array_length(string_to_array(nullif(fk.keys, ''), ','), 1), 0) AS finding_count,
           CASE WHEN n.geom IS NOT NULL THEN 'polygon' WHEN mb.points IS NOT NULL THEN 'member hull' END
               AS geometry_source,
           {profile_columns}
      FROM networks n
      LEFT JOIN (
           SELECT m.network_id, count(*)::int AS members, sum(ps.list_size)::bigint AS population,
                  count(*) FILTER (WHERE ps.list_size IS NULL)::int AS unknown_list_sizes,
                  ST_Collect(ST_Transform(ps.location, 27700)) AS points
             FROM memberships m JOIN ps ON ps.practice_id = m.practice_id
            WHERE m.scenario_id = %(scenario_id)s AND {current}
            GROUP BY m.network_id) mb ON mb.network_id = n.id
      LEFT JOIN names lead ON lead.code = n.lead_commissioner_code
      LEFT JOIN (SELECT * FROM unnest(%(f_codes)s::text[], %(f_keys)s::text[]) AS u(code, keys)) fk
             ON fk.code = n.code
      LEFT JOIN LATERAL (SELECT %(profiles)s::jsonb -> n.code AS p) pj ON true
     WHERE n.scenario_id = %(scenario_id)s"""
).format(
    current=_CURRENT,
    profile_columns=sql.SQL(", ").join(
        sql.SQL("(pj.p ->> {key})::{type} AS {col}").format(
            key=sql.Literal(key), type=sql.SQL(kind), col=sql.Identifier(key)
        )
        for key, kind in PROFILE_PROPERTIES.items()
    ),
)

_MEMBERSHIPS = sql.SQL(
    """
    SELECT m.id::text AS fid, ps.location AS geom, m.id AS membership_id,
           n.code AS network_code, n.name AS network_name, p.ods_code,
           coalesce(ps.name, m.member_name) AS practice_name, m.start_date, m.end_date,
           {current} AS current
      FROM memberships m
      JOIN networks n ON n.id = m.network_id
      JOIN practices p ON p.id = m.practice_id
      LEFT JOIN ps ON ps.practice_id = m.practice_id
     WHERE m.scenario_id = %(scenario_id)s"""
).format(current=_CURRENT)

_SOURCES = {"areas": _AREAS, "practices": _PRACTICES, "networks": _NETWORKS, "memberships": _MEMBERSHIPS}
_NEEDS_STATE = {"practices", "networks", "memberships"}

# Output properties per kind, in order (the GeoJSON ``properties`` and the MVT attributes).
PROPERTIES: dict[str, tuple[str, ...]] = {
    "areas": ("code", "ods_code", "gss_code", "name", "area_km2"),
    "practices": (
        "ods_code",
        "name",
        "postcode",
        "list_size",
        "list_size_date",
        "network_code",
        "network_name",
        "commissioner_code",
        "commissioner_name",
    ),
    "networks": (
        "code",
        "name",
        "lead_commissioner_code",
        "lead_commissioner_name",
        "members",
        "population",
        "unknown_list_sizes",
        "findings",
        "finding_count",
        "geometry_source",
        *PROFILE_PROPERTIES,
    ),
    "memberships": (
        "membership_id",
        "network_code",
        "network_name",
        "ods_code",
        "practice_name",
        "start_date",
        "end_date",
        "current",
    ),
}

# Property filters (queryables): API name → condition on the feature row ``f`` (value bound as ``q_<name>``).
QUERYABLES: dict[str, dict[str, sql.Composable]] = {
    "areas": {
        "code": sql.SQL("upper(f.code) = upper(%(q_code)s)"),
        "ods_code": sql.SQL("upper(f.ods_code) = upper(%(q_ods_code)s)"),
        "gss_code": sql.SQL("upper(f.gss_code) = upper(%(q_gss_code)s)"),
        "name": sql.SQL("strpos(lower(f.name), lower(%(q_name)s)) > 0"),
    },
    "practices": {
        "ods_code": sql.SQL("upper(f.ods_code) = upper(%(q_ods_code)s)"),
        "name": sql.SQL("strpos(lower(f.name), lower(%(q_name)s)) > 0"),
        "postcode": sql.SQL("upper(replace(f.postcode, ' ', '')) = upper(replace(%(q_postcode)s, ' ', ''))"),
        "commissioner_code": sql.SQL("upper(f.commissioner_code) = upper(%(q_commissioner_code)s)"),
        "network_code": sql.SQL("upper(%(q_network_code)s) = ANY(string_to_array(upper(f.network_code), ', '))"),
    },
    "networks": {
        "code": sql.SQL("upper(f.code) = upper(%(q_code)s)"),
        "name": sql.SQL("strpos(lower(f.name), lower(%(q_name)s)) > 0"),
        "lead_commissioner_code": sql.SQL("upper(f.lead_commissioner_code) = upper(%(q_lead_commissioner_code)s)"),
        "finding": sql.SQL("%(q_finding)s = ANY(string_to_array(f.findings, ','))"),
    },
    "memberships": {
        "ods_code": sql.SQL("upper(f.ods_code) = upper(%(q_ods_code)s)"),
        "network_code": sql.SQL("upper(f.network_code) = upper(%(q_network_code)s)"),
        "current": sql.SQL("f.current = %(q_current)s::boolean"),
    },
}

# Kinds whose features carry dates, and the condition that selects them for a datetime interval
# (``dt_start``/``dt_end``, NULL = open end): the membership's [start, end] overlaps it.
_DATETIME = {
    "memberships": sql.SQL(
        "((%(dt_end)s::date IS NULL OR f.start_date IS NULL OR f.start_date <= %(dt_end)s::date)"
        " AND (%(dt_start)s::date IS NULL OR f.end_date IS NULL OR f.end_date >= %(dt_start)s::date))"
    )
}
DATED_KINDS = tuple(_DATETIME)

_SORT = {"areas": "f.code", "practices": "f.ods_code", "networks": "f.code", "memberships": "f.membership_id"}


# Commissioner names in force on the scope's date (SQL ``area_name_in_force``), once per code: the same name
# the pages, exports and prints show (issue 19), whatever boundary set the collection is read on.
_NAMES = sql.SQL(
    """names AS MATERIALIZED (
        SELECT c.code, area_name_in_force(c.code, %(dataset)s, %(as_of)s::date) AS name
          FROM (SELECT DISTINCT ps.commissioner_code AS code FROM ps WHERE ps.commissioner_code IS NOT NULL
                UNION
                SELECT n.lead_commissioner_code FROM networks n
                 WHERE n.scenario_id = %(scenario_id)s AND n.lead_commissioner_code IS NOT NULL) c)"""
)


def _with(kind: str) -> sql.Composable:
    return sql.SQL("WITH {ps}, {names}, src AS NOT MATERIALIZED ({source})").format(
        ps=_PS, names=_NAMES, source=_SOURCES[kind]
    )


def _source(kind: str) -> sql.Composable:
    """``WITH ... src AS (...)``: the practice-state CTE only for the kinds that read practices."""
    if kind in _NEEDS_STATE:
        return _with(kind)
    return sql.SQL("WITH src AS NOT MATERIALIZED ({source})").format(source=_AREAS)


def _where(kind: str, values: dict) -> sql.Composable:
    """Conditions for a query's values: ``env_*`` (storage-SRID envelope), ``q_<name>`` filters, ``dt_*``,
    ``fid``. Only names of the allow-lists make it into the SQL."""
    parts: list[sql.Composable] = [sql.SQL("true")]
    if values.get("env_minx") is not None:
        parts.append(
            sql.SQL(
                "f.geom && ST_MakeEnvelope(%(env_minx)s, %(env_miny)s, %(env_maxx)s, %(env_maxy)s, 4326)"
                " AND ST_Intersects(f.geom, ST_MakeEnvelope(%(env_minx)s, %(env_miny)s, %(env_maxx)s,"
                " %(env_maxy)s, 4326))"
            )
        )
    for name, condition in QUERYABLES[kind].items():
        if values.get("q_" + name) is not None:
            parts.append(condition)
    if kind in _DATETIME and (values.get("dt_start") is not None or values.get("dt_end") is not None):
        parts.append(_DATETIME[kind])
    if values.get("fid") is not None:
        parts.append(sql.SQL("f.fid = %(fid)s"))
    return sql.SQL(" AND ").join(parts)


def _binds(values: dict) -> dict:
    """Every placeholder the fragments may name, unset ones as NULL."""
    base = {"env_minx": None, "env_miny": None, "env_maxx": None, "env_maxy": None, "dt_start": None, "dt_end": None}
    base.update({"fid": None, "f_codes": [], "f_keys": [], "bs_id": None, "scenario_id": None, "profiles": None})
    return {**base, **values}


def features(conn, kind: str, values: dict, limit: int, offset: int) -> list[str]:
    """One page of features as GeoJSON Feature texts. ``values``: the scope's values (or ``bs_id`` for
    areas), the filters and ``out_srid`` / ``flip`` (lat/lon order) / ``digits`` for the output geometry."""
    props = sql.SQL(", ").join(sql.SQL("{}, f.{}").format(sql.Literal(p), sql.Identifier(p)) for p in PROPERTIES[kind])
    query = sql.SQL(
        """{source}
        SELECT json_build_object(
                 'type', 'Feature', 'id', f.fid,
                 'geometry', ST_AsGeoJSON(
                     CASE WHEN %(flip)s THEN ST_FlipCoordinates(ST_Transform(f.geom, %(out_srid)s))
                          ELSE ST_Transform(f.geom, %(out_srid)s) END, %(digits)s, 0)::json,
                 'properties', json_build_object({props}))::text
          FROM src f
         WHERE {where}
         ORDER BY {sort}
         LIMIT %(limit)s OFFSET %(offset)s"""
    ).format(source=_source(kind), props=props, where=_where(kind, values), sort=sql.SQL(_SORT[kind]))
    with conn.cursor() as cur:
        cur.execute(query, _binds({**values, "limit": limit, "offset": offset}))
        return [row[0] for row in cur.fetchall()]


def count(conn, kind: str, values: dict) -> int:
    """How many features match the query's filters (``numberMatched``)."""
    query = sql.SQL("{source} SELECT count(*) FROM src f WHERE {where}").format(
        source=_source(kind), where=_where(kind, values)
    )
    with conn.cursor() as cur:
        cur.execute(query, _binds(values))
        return cur.fetchone()[0]


def extent(conn, kind: str, values: dict) -> dict | None:
    """Bounding box (storage SRID) of a collection's features, and the date range for dated kinds."""
    dates = sql.SQL(", min(f.start_date) AS start, max(f.end_date) AS end") if kind in _DATETIME else sql.SQL("")
    query = sql.SQL(
        """{source}
        SELECT ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx, ST_YMax(e) AS maxy, x.* FROM (
            SELECT ST_Extent(f.geom) AS e{dates} FROM src f) x"""
    ).format(source=_source(kind), dates=dates)
    with dict_cursor(conn) as cur:
        cur.execute(query, _binds(values))
        return cur.fetchone()


def boundary_set_extents(conn) -> dict[int, dict]:
    """Boundary set id → the bounding box of its areas (storage SRID): the extent of every collection judged
    on that set, without reading practice state for the catalogue."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT boundary_set_id AS id, ST_XMin(e) AS minx, ST_YMin(e) AS miny, ST_XMax(e) AS maxx,
                      ST_YMax(e) AS maxy
                 FROM (SELECT boundary_set_id, ST_Extent(geom) AS e FROM areas GROUP BY boundary_set_id) x"""
        )
        return {row["id"]: row for row in cur.fetchall()}


def membership_dates(conn) -> dict[int, dict]:
    """Scenario id → earliest start and latest end of its memberships (the memberships' temporal extent)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT scenario_id AS id, min(start_date) AS start, max(end_date) AS end,
                      bool_or(end_date IS NULL) AS open_end
                 FROM memberships GROUP BY scenario_id"""
        )
        return {row["id"]: row for row in cur.fetchall()}


# ---- vector tiles --------------------------------------------------------------------------------


def tile(conn, kind: str, values: dict, z: int, x: int, y: int, tolerance: float, layer: str) -> bytes:
    """One Mapbox Vector Tile (WebMercatorQuad z/x/y) of a collection's features, built by PostGIS: features
    whose box meets the tile (envelope in the storage SRID, so the index is used), simplified by
    ``tolerance`` Web Mercator metres (about a pixel at this zoom; applied in degrees before the transform, one
    degree of longitude being 111,320 Web Mercator metres) and clipped with a 64-unit buffer."""
    props = sql.SQL(", ").join(sql.SQL("f.{}").format(sql.Identifier(p)) for p in PROPERTIES[kind])
    geom = (
        sql.SQL("ST_Transform(f.geom, 3857)")
        if kind in ("practices", "memberships")
        else sql.SQL("ST_Transform(ST_Simplify(f.geom, %(tol_deg)s, true), 3857)")
    )
    query = sql.SQL(
        """{source},
        tb AS (SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS e3857,
                      ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 0.015625), 4326) AS e4326),
        t AS (
            SELECT {props}, ST_AsMVTGeom({geom}, tb.e3857, 4096, 64, true) AS geom
              FROM src f, tb
             WHERE f.geom && tb.e4326)
        SELECT ST_AsMVT(t, %(layer)s, 4096, 'geom') FROM t WHERE t.geom IS NOT NULL"""
    ).format(source=_source(kind), props=props, geom=geom)
    with conn.cursor() as cur:
        cur.execute(query, _binds({**values, "z": z, "x": x, "y": y, "tol_deg": tolerance / 111_320.0, "layer": layer}))
        row = cur.fetchone()
        return bytes(row[0]) if row and row[0] is not None else b""
