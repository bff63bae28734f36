"""SQL for the practice profile facts a scope reads: which payments, deprivation and age-band extracts it uses."""

from __future__ import annotations

from datetime import date

from geo_service.db.pool import dict_cursor

# Fact table of each profile kind (constants, never from input).
_FACT_TABLE = {
    "payments": "practice_payments",
    "deprivation": "practice_deprivation",
    "age_bands": "practice_age_bands",
}


def nearest_profile_extract(conn, kind: str, dataset: str, as_of: date) -> dict | None:
    """The extract of ``kind`` of the dataset nearest to ``as_of`` (preferring one on or before it), holding facts;
    with its financial year for payments."""
    table = _FACT_TABLE[kind]
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT e.id, e.kind, e.file_name, e.extract_date, e.loaded_at, "
            "       (SELECT f.financial_year FROM practice_payments f WHERE f.extract_id = e.id LIMIT 1)"
            "           AS financial_year"
            "  FROM extracts e"
            " WHERE e.dataset = %(ds)s AND e.kind = %(kind)s AND e.extract_date IS NOT NULL"
            "   AND EXISTS (SELECT 1 FROM " + table + " f WHERE f.extract_id = e.id)"
            " ORDER BY e.extract_date > %(as_of)s, abs(e.extract_date - %(as_of)s::date), e.id DESC LIMIT 1",
            {"ds": dataset, "kind": kind, "as_of": as_of},
        )
        return cur.fetchone()


def register_states_extended_hours(conn, register_extract_id: int | None) -> bool:
    """Whether the register extract says, for any practice, whether it offers extended hours (the synthetic
    generator's registers do; the ODS register does not)."""
    if register_extract_id is None:
        return False
    with conn.cursor() as cur:
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM practice_register WHERE extract_id = %(x)s AND extended_hours IS NOT NULL)",
            {"x": register_extract_id},
        )
        return cur.fetchone()[0]
