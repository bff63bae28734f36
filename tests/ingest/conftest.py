"""Helpers for import tests: the small fixtures in tests/data, a snapshot of what the database holds, and
practice state read through the scope service (the one place that knows which extract a scenario uses)."""

from __future__ import annotations

from pathlib import Path

import pytest
from psycopg2 import sql

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories import scope as scope_repo
from geo_service.scope import resolve_scope

DATA = Path(__file__).resolve().parent.parent / "data"

# Every table an import writes: provenance, identities, the dated facts, the networks, and what is derived
# from them by triggers (a no-op import must leave the derived tables alone too).
FACT_TABLES = ("extracts", "practices", "practice_register", "practice_list_sizes", "postcode_points")
TABLES = (
    "boundary_sets",
    "areas",
    *FACT_TABLES,
    "scenarios",
    "networks",
    "memberships",
    "code_lookups",
    "point_areas",
    "network_point_distance",
)


def snapshot(db, tables: tuple[str, ...] = TABLES) -> dict:
    """Row counts of every imported table, a checksum of their content, and the data version."""
    out = {}
    with db.connection() as conn, conn.cursor() as cur:
        for t in tables:
            query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM {} x")
            cur.execute(query.format(sql.Identifier(t)))
            out[t] = cur.fetchone()
        cur.execute("SELECT version FROM data_version")
        out["data_version"] = cur.fetchone()[0]
    return out


def data_version(db) -> int:
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM data_version")
        return cur.fetchone()[0]


def scalar(db, query: str, params: dict | None = None):
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute(query, params or {})
        return cur.fetchone()[0]


def rows(db, query: str, params: dict | None = None) -> list[tuple]:
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute(query, params or {})
        return cur.fetchall()


def register(db, extract_id: int) -> list[tuple]:
    """(ods, name, postcode, commissioner, status, setting, nation) of one register extract, by ODS code."""
    return rows(
        db,
        """SELECT p.ods_code, r.name, r.postcode, r.commissioner_code, r.status, r.prescribing_setting, r.nation
             FROM practice_register r JOIN practices p ON p.id = r.practice_id
            WHERE r.extract_id = %(x)s ORDER BY p.ods_code""",
        {"x": extract_id},
    )


def list_sizes(db, extract_id: int) -> list[tuple]:
    """(ods, size, size date, CCG ODS code, CCG GSS code) of one list-size extract, by ODS code."""
    return rows(
        db,
        """SELECT p.ods_code, ls.list_size, ls.list_size_date, ls.ccg_code, ls.ons_ccg_code
             FROM practice_list_sizes ls JOIN practices p ON p.id = ls.practice_id
            WHERE ls.extract_id = %(x)s ORDER BY p.ods_code""",
        {"x": extract_id},
    )


def points(db, extract_id: int) -> list[tuple]:
    """(postcode key, lon, lat rounded to 4 places) of one postcode extract, by postcode."""
    return [
        (pc, float(x), float(y))
        for pc, x, y in rows(
            db,
            """SELECT postcode_key, round(ST_X(geom)::numeric, 4), round(ST_Y(geom)::numeric, 4)
                 FROM postcode_points WHERE extract_id = %(x)s ORDER BY postcode_key""",
            {"x": extract_id},
        )
    ]


def extract(db, extract_id: int) -> dict:
    with db.connection() as conn, dict_cursor(conn) as cur:
        cur.execute(
            "SELECT id, kind, file_name, extract_date, dataset FROM extracts WHERE id = %(x)s", {"x": extract_id}
        )
        return cur.fetchone()


def practice_state(conn, scenario: str, **scope_args) -> dict[str, dict]:
    """Practice state of the scenario's scope (``practice_state_cte``), keyed by ODS code."""
    scope = resolve_scope(conn, scenario, **scope_args)
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL("WITH {ps} SELECT * FROM ps ORDER BY ods_code").format(ps=scope_repo.practice_state_cte("ps")),
            scope.values(),
        )
        return {r["ods_code"]: r for r in cur.fetchall()}


def state_of(db, scenario: str, **scope_args) -> dict[str, dict]:
    with db.connection() as conn:
        return practice_state(conn, scenario, **scope_args)


def in_scope(state: dict[str, dict]) -> set[str]:
    """ODS codes of the active GP practices of the scope's nation (what every network rule counts)."""
    return {code for code, r in state.items() if r["active_gp"] and r["in_nation"]}


@pytest.fixture
def data_dir() -> Path:
    return DATA
