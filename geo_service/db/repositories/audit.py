"""The append-only audit log (issue 12): insert and read only; the database refuses UPDATE/DELETE/TRUNCATE."""

from __future__ import annotations

from psycopg2.extras import Json

from geo_service.db.pool import dict_cursor

# API filter name -> column (an allow-list, never a caller's identifier)
FILTER_COLUMNS = {"scenario": "scenario_id", "network": "network_id", "practice": "practice_id"}

_FILTER_SQL = {
    "scenario": "WHERE scenario_id = %(v)s",
    "network": "WHERE network_id = %(v)s",
    "practice": "WHERE practice_id = %(v)s",
    None: "",
}


def insert(conn, entry: dict) -> int:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO audit_log (actor_id, actor_name, request_id, action, resource_kind, resource_id,
                                      scenario_id, network_id, practice_id, before, after)
               VALUES (%(actor_id)s, %(actor_name)s, %(request_id)s, %(action)s, %(resource_kind)s,
                       %(resource_id)s, %(scenario_id)s, %(network_id)s, %(practice_id)s, %(before)s, %(after)s)
               RETURNING id""",
            {**entry, "before": _json(entry.get("before")), "after": _json(entry.get("after"))},
        )
        return cur.fetchone()[0]


def _json(value):
    return None if value is None else Json(value, dumps=_dumps)


def _dumps(value) -> str:
    import json

    return json.dumps(value, default=str, sort_keys=True)


def entries(
    conn,
    by: str | None,
    value: int | None,
    limit: int,
    offset: int,
    hidden_scenarios: list[int] | None = None,
    hidden_kinds: list[str] | None = None,
) -> tuple[list[dict], int]:
    """Newest first, one page, and the total count. ``by`` is one of :data:`FILTER_COLUMNS` or None.
    ``hidden_scenarios``: ids of scenarios whose entries are left out (issue 12: private plans);
    ``hidden_kinds``: resource kinds left out (issue 21: account events, for everyone but admins)."""
    where = _FILTER_SQL[by]
    if hidden_scenarios:
        where += (" AND " if where else "WHERE ") + "(scenario_id IS NULL OR scenario_id <> ALL(%(h)s))"
    if hidden_kinds:
        where += (" AND " if where else "WHERE ") + "resource_kind <> ALL(%(k)s)"
    params = {"v": value, "h": list(hidden_scenarios or []), "k": list(hidden_kinds or [])}
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT * FROM audit_log " + where + " ORDER BY id DESC LIMIT %(l)s OFFSET %(o)s",  # noqa: S608
            {**params, "l": limit, "o": offset},
        )
        rows = cur.fetchall()
        cur.execute("SELECT count(*) AS n FROM audit_log " + where, params)  # noqa: S608
        total = cur.fetchone()["n"]
    return rows, total


def scenario_id(conn, slug: str) -> int | None:
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM scenarios WHERE lower(slug) = lower(%(s)s)", {"s": slug})
        row = cur.fetchone()
    return row[0] if row else None


def network_id(conn, scenario: int, code: str) -> int | None:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT id FROM networks WHERE scenario_id = %(s)s AND lower(code) = lower(%(c)s)",
            {"s": scenario, "c": code},
        )
        row = cur.fetchone()
    return row[0] if row else None


def practice_id(conn, ods_code: str) -> int | None:
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM practices WHERE upper(ods_code) = upper(%(c)s)", {"c": ods_code})
        row = cur.fetchone()
    return row[0] if row else None
