"""SQL for postcode imports: which postcodes practices use (to stage only those)."""

from __future__ import annotations


def practice_postcodes(conn) -> set[str]:
    """Normalised (no spaces, upper case) postcodes of all practices."""
    with conn.cursor() as cur:
        cur.execute("SELECT DISTINCT upper(replace(postcode, ' ', '')) FROM practices WHERE postcode IS NOT NULL")
        return {r[0] for r in cur.fetchall()}
