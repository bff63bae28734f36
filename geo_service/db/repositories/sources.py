"""Provenance: one ``sources`` row per loaded file."""

from __future__ import annotations

from datetime import date


def record_source(conn, kind: str, file_name: str, sha256: str | None = None, extract_date: date | None = None) -> int:
    """Insert (or find) the source row for a file and return its id."""
    with conn.cursor() as cur:
        cur.execute(
            """
            INSERT INTO sources (kind, file_name, sha256, extract_date)
            VALUES (%(kind)s, %(file_name)s, %(sha256)s, %(extract_date)s)
            ON CONFLICT (kind, file_name, sha256) DO UPDATE SET extract_date = EXCLUDED.extract_date
            RETURNING id
            """,
            {"kind": kind, "file_name": file_name, "sha256": sha256, "extract_date": extract_date},
        )
        return cur.fetchone()[0]


def data_dates(conn) -> list[dict]:
    """Latest extract date per kind of source, for 'data as of' notices."""
    with conn.cursor() as cur:
        cur.execute(
            """
            SELECT kind, max(extract_date) AS extract_date, max(loaded_at) AS loaded_at
              FROM sources GROUP BY kind ORDER BY kind
            """
        )
        return [{"kind": k, "extract_date": d, "loaded_at": loaded} for k, d, loaded in cur.fetchall()]
