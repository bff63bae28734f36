"""The one place where "current membership", "practice state as of" and "practice in area" are written,
and the look-ups that resolve a scope (scenario, extracts, boundary set, area).

Every query that reads practices composes these fragments with the values of one resolved
:class:`geo_service.scope.Scope` (``Scope.values()``):

``scenario_id``, ``as_of``, ``nation``, ``dataset``, ``register_extract_id``, ``list_size_extract_id``,
``location_extract_id``, ``bs_id`` (boundary set), ``area_id`` / ``area_ods`` (NULL: no area filter).
"""

from __future__ import annotations

from datetime import date

from psycopg2 import sql

from geo_service.db.pool import dict_cursor


def current_membership(alias: str = "m") -> sql.Composable:
    """A membership is current on ``as_of`` when it has started (or has no start) and has not ended: the SQL
    function ``membership_is_current`` (schema/functions/membership_is_current.sql), which the kept state uses too.
    The planner inlines it, so the statement is planned as if the comparisons were written here."""
    return sql.SQL("membership_is_current({m}.start_date, {m}.end_date, %(as_of)s::date)").format(
        m=sql.Identifier(alias)
    )


# Practice state as of the scope is defined once, in SQL: ``practice_state(scenario, register, list sizes,
# locations, nation, as_of)`` (schema/functions/practice_state.sql: which practices exist on the date, and each
# practice's commissioner as the nearest dated statement of every loaded file). Each scenario's state on its own
# extracts is also kept in ``scenario_practice_state`` by triggers; the fragment below reads those rows when they
# were built for exactly the scope's extracts and nation (a one-time check), else computes the state once.
# Columns: practice_id, ods_code, name, postcode, status, prescribing_setting, commissioner_code, nation,
# extended_hours, in_register, active_gp, in_nation, list_size, list_size_date, list_size_ccg_code, point_id,
# and location (the postcode point, unless ``with_location=False``).
STATE_COLUMNS = (
    "practice_id, ods_code, name, postcode, status, prescribing_setting, commissioner_code, nation, extended_hours,"
    " in_register, active_gp, in_nation, list_size, list_size_date, list_size_ccg_code, point_id"
)
# True when the kept state was built for exactly this scope (date, extracts, nation): a one-time check.
STORED_STATE = sql.SQL(
    """EXISTS (SELECT 1 FROM scenario_states st
                WHERE st.scenario_id = %(scenario_id)s AND st.as_of = %(as_of)s
                  AND (st.register_extract_id, st.list_size_extract_id, st.location_extract_id, st.nation)
                      IS NOT DISTINCT FROM (%(register_extract_id)s::integer, %(list_size_extract_id)s::integer,
                                            %(location_extract_id)s::integer, %(nation)s::text))"""
)


def practice_state_cte(
    name: str = "ps", with_location: bool = True, materialized: bool = False, stored: bool | None = None
) -> sql.Composable:
    """Practice state as of the scope, as WITH-list entries defining ``name`` (and a helper ``name_live``).
    ``with_location=False`` leaves out the ``location`` geometry (``point_id`` stays). ``materialized=True``
    reads the rows once for a statement that refers to them many times (the rule engine). ``stored``, when the
    caller has asked :func:`stored_state` beforehand, leaves only the branch that applies in the statement, so the
    planner sizes its joins on the kept rows instead of the sum of both branches' estimates."""
    location = sql.SQL(", pt.geom AS location") if with_location else sql.SQL("")
    join = sql.SQL(" LEFT JOIN postcode_points pt ON pt.id = u.point_id") if with_location else sql.SQL("")
    return sql.SQL(
        """{live} AS MATERIALIZED (
            SELECT * FROM practice_state(%(scenario_id)s, %(register_extract_id)s, %(list_size_extract_id)s,
                                         %(location_extract_id)s, %(nation)s, %(as_of)s)
             WHERE {not_stored}),
        {name} AS {materialized} (
            SELECT u.*{location} FROM (
                SELECT {columns} FROM scenario_practice_state s WHERE s.scenario_id = %(scenario_id)s AND {stored}
                UNION ALL
                SELECT * FROM {live}) u{join})"""
    ).format(
        live=sql.Identifier(name + "_live"),
        name=sql.Identifier(name),
        stored=_branch(stored, True),
        not_stored=_branch(stored, False),
        columns=sql.SQL(STATE_COLUMNS),
        location=location,
        join=join,
        materialized=sql.SQL("MATERIALIZED" if materialized else "NOT MATERIALIZED"),
    )


def _branch(stored: bool | None, branch: bool) -> sql.Composable:
    """The condition of the stored (``branch=True``) or computed branch: the state check itself when unknown; the
    check again for the branch that was found to apply (it still guards the statement); false for the other."""
    if stored is None or stored is branch:
        return STORED_STATE if branch else sql.SQL("NOT {s}").format(s=STORED_STATE)
    return sql.SQL("false")


def stored_state(conn, values: dict) -> bool:
    """Whether the scenario's kept state was built for exactly this scope (its date and extracts)."""
    with conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT {s}").format(s=STORED_STATE), values)
        return bool(cur.fetchone()[0])


def scenario_extract_ids(conn, scenario_id: int, as_of: date) -> dict[str, int | None]:
    """The register, list-size and postcode extracts a scenario is judged on as of ``as_of`` (SQL function
    ``scenario_extract``: the pin, else the nearest by date)."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT scenario_extract(%(id)s, 'practices', %(as_of)s),
                      scenario_extract(%(id)s, 'list_sizes', %(as_of)s),
                      scenario_extract(%(id)s, 'postcodes', %(as_of)s)""",
            {"id": scenario_id, "as_of": as_of},
        )
        reg, ls, loc = cur.fetchone()
        return {"practices": reg, "list_sizes": ls, "postcodes": loc}


def practice_source(conn, register_extract_id: int | None, list_size_extract_id: int | None, as_of: date) -> str | None:
    """Which file says which practices exist on ``as_of`` (SQL ``scope_practice_source``): 'register' (a register
    dated within ``register_near_days``), 'list_sizes' (else a list-size file within ``list_sizes_near_days``:
    practices with registered patients) or None (no loaded file can say)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT scope_practice_source(%(reg)s, %(ls)s, %(as_of)s)",
            {"reg": register_extract_id, "ls": list_size_extract_id, "as_of": as_of},
        )
        return cur.fetchone()[0]


def nearness_days(conn) -> dict[str, int]:
    """How near (days) a register or list-size file must be to the date to say which practices exist."""
    with conn.cursor() as cur:
        cur.execute("SELECT register_near_days(), list_sizes_near_days()")
        reg, ls = cur.fetchone()
    return {"register": reg, "list_sizes": ls}


def commissioner_sources(conn, values: dict) -> dict[str, int]:
    """How many in-scope practices of the scope take their commissioner from each kind of file (SQL
    ``practice_commissioners``: the nearest dated statement)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """WITH {ps}
                SELECT coalesce(pc.source, 'none') AS source, count(*)::int AS n
                  FROM ps LEFT JOIN practice_commissioners(%(dataset)s, %(as_of)s) pc ON pc.practice_id = ps.practice_id
                 WHERE ps.active_gp
                 GROUP BY 1"""
            ).format(ps=practice_state_cte(with_location=False)),
            values,
        )
        return {r["source"]: r["n"] for r in cur.fetchall()}


def practice_in_area(alias: str = "ps") -> sql.Composable:
    """A practice (a row of practice state) is in the scope's area when its commissioner is the area or it
    is located in the area (in the scope's boundary set). True when the scope has no area."""
    p = sql.Identifier(alias)
    return sql.SQL(
        """(%(area_id)s::integer IS NULL
            OR {p}.commissioner_code = %(area_ods)s
            OR EXISTS (SELECT 1 FROM point_areas spa WHERE spa.point_id = {p}.point_id
                          AND spa.boundary_set_id = %(bs_id)s AND spa.area_id = %(area_id)s))"""
    ).format(p=p)


def network_in_area(alias: str = "n") -> sql.Composable:
    """A network is in the scope's area when the area is its lead commissioner or one of its current members
    is in the area. Needs the practice-state CTE ``ps`` in the statement. True when the scope has no area."""
    n = sql.Identifier(alias)
    return sql.SQL(
        """(%(area_id)s::integer IS NULL
            OR {n}.lead_commissioner_code = %(area_ods)s
            OR EXISTS (SELECT 1 FROM memberships am JOIN ps ON ps.practice_id = am.practice_id
                        WHERE am.network_id = {n}.id AND {current} AND {in_area}))"""
    ).format(n=n, current=current_membership("am"), in_area=practice_in_area("ps"))


def in_scope_practice(alias: str = "ps") -> sql.Composable:
    """An active GP practice of the scope's nation (the practices every network rule counts)."""
    p = sql.Identifier(alias)
    return sql.SQL("({p}.active_gp AND {p}.in_nation)").format(p=p)


# ---- look-ups ---------------------------------------------------------------------------------------

_SCENARIO_COLUMNS = """s.id, s.slug, s.name, s.description, s.dataset, s.as_of, s.nation, s.min_population,
       s.max_population, s.register_extract_id, s.list_size_extract_id, s.location_extract_id, s.boundary_set_id"""


def scenario(conn, slug: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT " + _SCENARIO_COLUMNS + " FROM scenarios s WHERE lower(s.slug) = lower(%(slug)s)", {"slug": slug}
        )
        return cur.fetchone()


def scenarios(conn, dataset: str | None = None) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT "
            + _SCENARIO_COLUMNS
            + """ FROM scenarios s
              WHERE %(ds)s::text IS NULL OR s.dataset = %(ds)s
              ORDER BY s.dataset, s.as_of, s.name""",
            {"ds": dataset},
        )
        return cur.fetchall()


_EXTRACT_COLUMNS = "e.id, e.kind, e.file_name, e.extract_date, e.dataset, e.loaded_at"


def extract(conn, extract_id: int) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute("SELECT " + _EXTRACT_COLUMNS + " FROM extracts e WHERE e.id = %(id)s", {"id": extract_id})
        return cur.fetchone()


def extracts(conn, dataset: str | None = None, kind: str | None = None) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT "
            + _EXTRACT_COLUMNS
            + """ FROM extracts e
              WHERE (%(ds)s::text IS NULL OR e.dataset = %(ds)s) AND (%(kind)s::text IS NULL OR e.kind = %(kind)s)
              ORDER BY e.dataset, e.kind, e.extract_date NULLS LAST, e.id""",
            {"ds": dataset, "kind": kind},
        )
        return cur.fetchall()


def nearest_extract(conn, kind: str, dataset: str, as_of: date) -> dict | None:
    """The extract of ``kind`` in ``dataset`` nearest to ``as_of`` that holds facts of that kind (SQL function
    ``nearest_extract``: the latest on or before it, else the earliest after it)."""
    with conn.cursor() as cur:
        cur.execute(
            "SELECT nearest_extract(%(kind)s, %(ds)s, %(as_of)s)", {"kind": kind, "ds": dataset, "as_of": as_of}
        )
        found = cur.fetchone()[0]
    return extract(conn, found) if found is not None else None


# Which facts each kind of extract holds.
_FACT_TABLES = {
    "practices": sql.SQL("EXISTS (SELECT 1 FROM practice_register f WHERE f.extract_id = e.id)"),
    "list_sizes": sql.SQL("EXISTS (SELECT 1 FROM practice_list_sizes f WHERE f.extract_id = e.id)"),
    "postcodes": sql.SQL("EXISTS (SELECT 1 FROM postcode_points f WHERE f.extract_id = e.id)"),
}


def extract_holds(conn, extract_id: int, kind: str) -> bool:
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("SELECT {has_facts} FROM extracts e WHERE e.id = %(id)s").format(has_facts=_FACT_TABLES[kind]),
            {"id": extract_id},
        )
        row = cur.fetchone()
        return bool(row and row[0])


_BS_COLUMNS = "bs.id, bs.slug, bs.name, bs.level, bs.vintage, bs.valid_from, bs.dataset"


def boundary_set(conn, slug: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT " + _BS_COLUMNS + " FROM boundary_sets bs WHERE lower(bs.slug) = lower(%(slug)s)", {"slug": slug}
        )
        return cur.fetchone()


def boundary_set_by_id(conn, bs_id: int) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute("SELECT " + _BS_COLUMNS + " FROM boundary_sets bs WHERE bs.id = %(id)s", {"id": bs_id})
        return cur.fetchone()


def boundary_sets(conn, dataset: str | None = None) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT "
            + _BS_COLUMNS
            + """, (SELECT count(*)::int FROM areas a WHERE a.boundary_set_id = bs.id)
                   AS area_count
              FROM boundary_sets bs WHERE %(ds)s::text IS NULL OR bs.dataset = %(ds)s
              ORDER BY bs.dataset, bs.valid_from DESC, bs.name""",
            {"ds": dataset},
        )
        return cur.fetchall()


def boundary_sets_in_force(conn, dataset: str, as_of: date, scenario_id: int) -> list[dict]:
    """Per level, the boundary set of the dataset in force on ``as_of`` (the latest starting on or before it;
    failing that, the earliest after it), with how many of the scenario's lead commissioners it holds."""
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT DISTINCT ON (bs.level) "
            + _BS_COLUMNS
            + """,
                   (SELECT count(DISTINCT n.lead_commissioner_code)::int FROM networks n
                      JOIN areas a ON a.boundary_set_id = bs.id AND a.ods_code = n.lead_commissioner_code
                     WHERE n.scenario_id = %(sid)s) AS leads_matched
              FROM boundary_sets bs
             WHERE bs.dataset = %(ds)s
             ORDER BY bs.level, bs.valid_from > %(as_of)s, abs(bs.valid_from - %(as_of)s), bs.id DESC""",
            {"ds": dataset, "as_of": as_of, "sid": scenario_id},
        )
        return cur.fetchall()


def boundary_sets_with_area(conn, dataset: str, code: str) -> list[dict]:
    """Boundary sets of the dataset holding an area with this ODS or GSS code (any case), newest first."""
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT "
            + _BS_COLUMNS
            + """ FROM boundary_sets bs
              WHERE bs.dataset = %(ds)s AND EXISTS (
                    SELECT 1 FROM areas a WHERE a.boundary_set_id = bs.id
                       AND (upper(a.ods_code) = upper(%(code)s) OR upper(a.gss_code) = upper(%(code)s)))
              ORDER BY bs.valid_from DESC, bs.name""",
            {"ds": dataset, "code": code},
        )
        return cur.fetchall()


def area(conn, boundary_set_id: int, code: str) -> dict | None:
    """An area of the boundary set by ODS code (``99J``) or GSS code (``E38000199``), case-insensitive."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT id, ods_code, gss_code, name, coalesce(ods_code, gss_code) AS code FROM areas
             WHERE boundary_set_id = %(bs)s AND (upper(ods_code) = upper(%(code)s) OR upper(gss_code) = upper(%(code)s))
             ORDER BY id LIMIT 1
            """,
            {"bs": boundary_set_id, "code": code},
        )
        return cur.fetchone()


def network(conn, scenario_id: int, code: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT id, code, name, lead_commissioner_code FROM networks
                WHERE scenario_id = %(sid)s AND upper(code) = upper(%(code)s)""",
            {"sid": scenario_id, "code": code},
        )
        return cur.fetchone()


def practice_counts(conn, values: dict) -> dict:
    """Practices of the scope's register: in scope (active GP practices of its nation), located, and out of
    scope by nation."""
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """WITH {ps}
                SELECT count(*) FILTER (WHERE ps.active_gp AND ps.in_nation)::int AS active,
                       count(*) FILTER (WHERE ps.active_gp AND ps.in_nation AND ps.location IS NOT NULL)::int
                           AS located,
                       count(*) FILTER (WHERE ps.in_register AND ps.prescribing_setting = 4
                                          AND ps.status = 'closed')::int AS closed,
                       coalesce((SELECT json_object_agg(nation, n) FROM (
                                   SELECT ps2.nation, count(*)::int AS n FROM ps ps2
                                    WHERE ps2.active_gp AND NOT ps2.in_nation GROUP BY ps2.nation) o), '{{}}')
                           AS out_of_scope
                  FROM ps"""
            ).format(ps=practice_state_cte()),
            values,
        )
        return cur.fetchone()


def set_scenario(conn, scenario_id: int, changes: dict) -> None:
    """Update a scenario's date, nation, pinned extracts or default boundary set (columns from an allow-list)."""
    allowed = (
        "as_of",
        "nation",
        "register_extract_id",
        "list_size_extract_id",
        "location_extract_id",
        "boundary_set_id",
    )
    cols = [c for c in allowed if c in changes]
    if not cols:
        return
    assignments = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in cols)
    # Only when something differs, so that a re-run bundle leaves the data version alone.
    differs = sql.SQL("ROW({}) IS DISTINCT FROM ROW({})").format(
        sql.SQL(", ").join(sql.Identifier(c) for c in cols),
        sql.SQL(", ").join(sql.SQL("{}::{}").format(sql.Placeholder(c), sql.SQL(_TYPES[c])) for c in cols),
    )
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("UPDATE scenarios SET {} WHERE id = %(id)s AND {}").format(assignments, differs),
            {**{c: changes[c] for c in cols}, "id": scenario_id},
        )


_TYPES = {
    "as_of": "date",
    "nation": "text",
    "register_extract_id": "integer",
    "list_size_extract_id": "integer",
    "location_extract_id": "integer",
    "boundary_set_id": "integer",
}
