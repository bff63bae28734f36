"""Stored embed renderings, one per (view and scope, data version).

``view_key`` is the view's URL key, then ``|`` and a digest of its scope (renderings stored before scopes
existed have the URL key alone). A pinned version is looked up by the URL key part.
"""

from __future__ import annotations

import psycopg2

from geo_service.db.pool import dict_cursor

SCOPE_SEPARATOR = "|"


def find(conn, view_key: str, data_version: int) -> dict | None:
    """The rendering stored under exactly this (scoped) key at this version."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT view_key, data_version, title, body_gzip, etag, created_at
                 FROM embed_snapshots WHERE view_key = %(k)s AND data_version = %(v)s""",
            {"k": view_key, "v": data_version},
        )
        row = cur.fetchone()
    if row is not None:
        row["body_gzip"] = bytes(row["body_gzip"])
    return row


def find_pinned(conn, url_key: str, data_version: int) -> dict | None:
    """The rendering of the view with this URL key at this version, whatever its scope was then."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT view_key, data_version, title, body_gzip, etag, created_at
                 FROM embed_snapshots
                WHERE split_part(view_key, %(sep)s, 1) = %(k)s AND data_version = %(v)s
                ORDER BY created_at, id LIMIT 1""",
            {"k": url_key, "v": data_version, "sep": SCOPE_SEPARATOR},
        )
        row = cur.fetchone()
    if row is not None:
        row["body_gzip"] = bytes(row["body_gzip"])
    return row


def versions(conn, url_key: str) -> list[int]:
    """Data versions at which the view with this URL key was rendered and kept."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT DISTINCT data_version FROM embed_snapshots
                WHERE split_part(view_key, %(sep)s, 1) = %(k)s ORDER BY data_version""",
            {"k": url_key, "sep": SCOPE_SEPARATOR},
        )
        return [r[0] for r in cur.fetchall()]


def store(conn, view_key: str, data_version: int, title: str, body_gzip: bytes, etag: str) -> None:
    """Keep the first rendering of a view at a version (later identical renderings are ignored)."""
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO embed_snapshots (view_key, data_version, title, body_gzip, etag)
               VALUES (%(k)s, %(v)s, %(t)s, %(b)s, %(e)s)
               ON CONFLICT (view_key, data_version) DO NOTHING""",
            {"k": view_key, "v": data_version, "t": title, "b": psycopg2.Binary(body_gzip), "e": etag},
        )
