"""SQL for the ODS <-> GSS commissioner code lookup (``code_lookups``) and back-filling area codes."""

from __future__ import annotations


def add_lookups(conn, source_id: int) -> int:
    """Insert pairs from ``stage_lookups`` that are new. Returns how many were added."""
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO code_lookups (ods_code, gss_code, name, source_id)
               SELECT DISTINCT ON (ods, gss) ods, gss, name, %(src)s FROM stage_lookups
                WHERE ods IS NOT NULL AND gss IS NOT NULL
               ON CONFLICT (ods_code, gss_code) DO NOTHING""",
            {"src": source_id},
        )
        return cur.rowcount


def fill_area_codes(conn) -> int:
    """Areas missing one of their two codes get it from an unambiguous lookup pair. Returns areas changed."""
    changed = 0
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE areas a SET ods_code = l.ods
                 FROM (SELECT gss_code AS gss, min(ods_code) AS ods FROM code_lookups
                        GROUP BY gss_code HAVING count(DISTINCT ods_code) = 1) l
                WHERE a.ods_code IS NULL AND a.gss_code = l.gss
                  AND NOT EXISTS (SELECT 1 FROM areas o WHERE o.boundary_set_id = a.boundary_set_id
                                                          AND o.ods_code = l.ods)"""
        )
        changed += cur.rowcount
        cur.execute(
            """UPDATE areas a SET gss_code = l.gss
                 FROM (SELECT ods_code AS ods, min(gss_code) AS gss FROM code_lookups
                        GROUP BY ods_code HAVING count(DISTINCT gss_code) = 1) l
                WHERE a.gss_code IS NULL AND a.ods_code = l.ods
                  AND NOT EXISTS (SELECT 1 FROM areas o WHERE o.boundary_set_id = a.boundary_set_id
                                                          AND o.gss_code = l.gss)"""
        )
        changed += cur.rowcount
    return changed
