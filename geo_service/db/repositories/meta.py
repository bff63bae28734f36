"""Server facts and the data-version counter."""

from __future__ import annotations


def postgis_version(conn) -> str:
    with conn.cursor() as cur:
        cur.execute("SELECT postgis_lib_version()")
        return cur.fetchone()[0]


def data_version(conn) -> tuple[int, object]:
    """(version, updated_at): bumped by triggers on every transaction that changes data."""
    with conn.cursor() as cur:
        cur.execute("SELECT version, updated_at FROM data_version")
        return cur.fetchone()


def current_version(conn) -> int:
    """Just the data version number."""
    return data_version(conn)[0]


def is_empty(conn) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT NOT EXISTS (SELECT 1 FROM practices) AND NOT EXISTS (SELECT 1 FROM boundary_sets)")
        return cur.fetchone()[0]


def scenario_version(conn, scenario: int | str) -> int:
    """A scenario's own data version (migration 0055): the data version of the last change to data it reads,
    shared (practices, postcodes, boundaries) or its own (its row, networks, memberships, change requests). An
    edit of another scenario leaves it as it was. ``scenario`` is its id or slug (any case); an unknown one
    gives the shared version."""
    by_id = isinstance(scenario, int)
    with conn.cursor() as cur:
        cur.execute(
            """SELECT greatest(d.shared_version, coalesce(max(v.version), 0))
                 FROM data_version d
                 LEFT JOIN scenarios s ON (CASE WHEN %(by_id)s THEN s.id = %(id)s
                                                ELSE lower(s.slug) = lower(%(slug)s) END)
                 LEFT JOIN scenario_data_versions v ON v.scenario_id = s.id
                GROUP BY d.shared_version""",
            {"by_id": by_id, "id": scenario if by_id else None, "slug": None if by_id else str(scenario)},
        )
        return int(cur.fetchone()[0])


def scenarios_digest(conn) -> str:
    """A digest of every scenario's listing (slug, name, dataset, date, status, visibility, …; not its edit
    counter): pages that list other scenarios (switchers) key on it, so an edit inside a plan leaves them be."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT coalesce(md5(string_agg((to_jsonb(s) - 'version')::text, '|' ORDER BY s.id)), '')
                 FROM scenarios s"""
        )
        return cur.fetchone()[0]
