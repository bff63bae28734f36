"""Helpers for import tests: the small fixtures in tests/data and a snapshot of what the database holds."""

from __future__ import annotations

from pathlib import Path

import pytest
from psycopg2 import sql

DATA = Path(__file__).resolve().parent.parent / "data"

TABLES = ("boundary_sets", "areas", "practices", "scenarios", "networks", "memberships", "code_lookups")


def snapshot(db) -> dict:
    """Row counts of every imported table, a checksum of their content, and the data version."""
    out = {}
    with db.connection() as conn, conn.cursor() as cur:
        for t in TABLES:
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


@pytest.fixture
def data_dir() -> Path:
    return DATA
