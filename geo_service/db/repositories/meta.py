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
