"""Row locks for versioned scenario writes (issue 12): the If-Match check and the write see the same row."""

from __future__ import annotations


def lock_scenario(conn, slug: str) -> None:
    """Hold the scenario's row until the transaction ends, so two writers cannot both pass If-Match."""
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM scenarios WHERE lower(slug) = lower(%(s)s) FOR UPDATE", {"s": slug})


def owner_id(conn, slug: str) -> int | None:
    """The scenario's owner (the plans migration adds ``owner_id``; before it, no scenario has one)."""
    with conn.cursor() as cur:
        cur.execute("SELECT to_jsonb(s) ->> 'owner_id' FROM scenarios s WHERE lower(slug) = lower(%(s)s)", {"s": slug})
        row = cur.fetchone()
    return int(row[0]) if row and row[0] is not None else None
