"""Extracts: one row per loaded file (or generator run), with its kind, date and dataset."""

from __future__ import annotations

from datetime import date

from geo_service.db.pool import dict_cursor


def record_extract(
    conn,
    kind: str,
    file_name: str,
    sha256: str | None = None,
    extract_date: date | None = None,
    dataset: str = "real",
) -> int:
    """Insert (or find) the extract row for a file and return its id. The same file (name and content) is
    the same extract: its first recorded date stands unless it had none."""
    with conn.cursor() as cur:
        cur.execute(
            """
            INSERT INTO extracts (kind, file_name, sha256, extract_date, dataset)
            VALUES (%(kind)s, %(file_name)s, %(sha256)s, %(extract_date)s, %(dataset)s)
            ON CONFLICT (kind, file_name, sha256)
            DO UPDATE SET extract_date = coalesce(extracts.extract_date, EXCLUDED.extract_date)
            RETURNING id
            """,
            {"kind": kind, "file_name": file_name, "sha256": sha256, "extract_date": extract_date, "dataset": dataset},
        )
        return cur.fetchone()[0]


def data_dates(conn, dataset: str | None = None) -> list[dict]:
    """Latest extract date per kind (optionally of one dataset), for the home page."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT kind, max(extract_date) AS extract_date, max(loaded_at) AS loaded_at
              FROM extracts WHERE %(ds)s::text IS NULL OR dataset = %(ds)s
             GROUP BY kind ORDER BY kind
            """,
            {"ds": dataset},
        )
        return cur.fetchall()
