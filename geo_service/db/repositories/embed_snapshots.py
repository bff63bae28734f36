"""Stored embed renderings, one per (view, data version)."""

from __future__ import annotations

import psycopg2

from geo_service.db.pool import dict_cursor


def find(conn, view_key: str, data_version: int) -> dict | None:
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


def versions(conn, view_key: str) -> list[int]:
    with conn.cursor() as cur:
        cur.execute(
            "SELECT data_version FROM embed_snapshots WHERE view_key = %(k)s ORDER BY data_version",
            {"k": view_key},
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


def describe(conn, scenario: str, kind: str, code: str, boundary_set: str | None) -> dict | None:
    """Names for an embed's title: scenario name plus the area's or network's name (None if unknown)."""
    with dict_cursor(conn) as cur:
        if kind == "network":
            cur.execute(
                """SELECT s.name AS scenario_name, n.name AS name, n.code AS code
                     FROM scenarios s JOIN networks n ON n.scenario_id = s.id
                    WHERE s.slug = %(s)s AND n.code = %(c)s""",
                {"s": scenario, "c": code},
            )
        else:
            cur.execute(
                """SELECT s.name AS scenario_name, a.name AS name, coalesce(a.ods_code, a.gss_code) AS code
                     FROM scenarios s, areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id
                    WHERE s.slug = %(s)s AND (a.ods_code = %(c)s OR a.gss_code = %(c)s)
                      AND (%(b)s::text IS NULL OR bs.slug = %(b)s)
                    ORDER BY bs.created_at DESC LIMIT 1""",
                {"s": scenario, "c": code, "b": boundary_set},
            )
        return cur.fetchone()
