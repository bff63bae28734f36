"""SQL for practice profile imports (payments, deprivation, age bands): each a fact of its extract.

Like list sizes, nothing here updates another extract's facts: re-importing a file adds nothing.
"""

from __future__ import annotations

from psycopg2 import sql

# stage table → (fact table, its columns after extract_id and practice_id, the staged columns in that order)
_FACTS = {
    "stage_payments": (
        "practice_payments",
        (
            "financial_year",
            "pcn_code",
            "pcn_name",
            "ccg_code",
            "contract_type",
            "dispensing",
            "rurality",
            "registered_patients",
            "weighted_patients",
            "extended_hours_paid",
            "network_payments",
        ),
    ),
    "stage_deprivation": ("practice_deprivation", ("imd_year", "score")),
    "stage_age_bands": ("practice_age_bands", ("total", "under_65", "aged_65_plus")),
}


def add_facts(conn, stage: str, extract_id: int) -> dict[str, int]:
    """Facts of a staged profile file (first column ``ods``) for the extract. Counts: added, unchanged, and
    staged practices that no register extract of the extract's dataset holds."""
    table, columns = _FACTS[stage]
    cols = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    staged = sql.SQL(", ").join(sql.SQL("s.") + sql.Identifier(c) for c in columns)
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL("INSERT INTO practices (ods_code) SELECT DISTINCT ods FROM {} ON CONFLICT DO NOTHING").format(
                sql.Identifier(stage)
            )
        )
        cur.execute(
            sql.SQL(
                "INSERT INTO {table} (extract_id, practice_id, {cols}) "
                "SELECT %(x)s, p.id, {staged} FROM {stage} s JOIN practices p ON p.ods_code = s.ods "
                "ON CONFLICT DO NOTHING"
            ).format(table=sql.Identifier(table), cols=cols, staged=staged, stage=sql.Identifier(stage)),
            {"x": extract_id},
        )
        added = cur.rowcount
        cur.execute(
            sql.SQL(
                """SELECT count(*) FILTER (WHERE NOT EXISTS (
                              SELECT 1 FROM practice_register r JOIN practices p ON p.id = r.practice_id
                                JOIN extracts e ON e.id = r.extract_id
                               WHERE p.ods_code = s.ods
                                 AND e.dataset = (SELECT dataset FROM extracts WHERE id = %(x)s))), count(*)
                     FROM {} s"""
            ).format(sql.Identifier(stage)),
            {"x": extract_id},
        )
        unmatched, total = cur.fetchone()
    return {"added": added, "unchanged": total - added, "unmatched": unmatched}
