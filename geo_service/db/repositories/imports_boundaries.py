"""SQL for boundary imports: the boundary set row and its areas, upserted from ``stage_areas``."""

from __future__ import annotations

from geo_service.db.repositories.imports_staging import make_plan


def upsert_boundary_set(
    conn, slug: str, name: str, level: str, vintage: str, source_id: int, valid_from, dataset: str = "real"
) -> tuple[int, str]:
    """Returns (id, 'added' | 'updated' | 'unchanged'). A set belongs to one dataset for good."""
    values = {
        "slug": slug,
        "name": name,
        "level": level,
        "vintage": vintage,
        "src": source_id,
        "valid_from": valid_from,
        "ds": dataset,
    }
    with conn.cursor() as cur:
        cur.execute(
            "SELECT id, name, level, vintage, source_id, valid_from, dataset FROM boundary_sets WHERE slug = %(slug)s",
            values,
        )
        row = cur.fetchone()
        if row is None:
            cur.execute(
                """INSERT INTO boundary_sets (slug, name, level, vintage, source_id, valid_from, dataset)
                   VALUES (%(slug)s, %(name)s, %(level)s, %(vintage)s, %(src)s, %(valid_from)s, %(ds)s)
                   RETURNING id""",
                values,
            )
            return cur.fetchone()[0], "added"
        if tuple(row[1:]) == (name, level, vintage, source_id, valid_from, dataset):
            return row[0], "unchanged"
        cur.execute(
            """UPDATE boundary_sets SET name = %(name)s, level = %(level)s, vintage = %(vintage)s, source_id = %(src)s,
                      valid_from = %(valid_from)s
                WHERE id = %(id)s""",
            {**values, "id": row[0]},
        )
        return row[0], "updated"


def fill_codes_from_lookup(conn) -> None:
    """Staged areas lacking an ODS (or GSS) code get it from ``code_lookups`` when exactly one match exists."""
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE stage_areas s SET ods = l.ods
                 FROM (SELECT gss_code AS gss, min(ods_code) AS ods FROM code_lookups
                        GROUP BY gss_code HAVING count(DISTINCT ods_code) = 1) l
                WHERE s.ods IS NULL AND s.gss = l.gss"""
        )
        cur.execute(
            """UPDATE stage_areas s SET gss = l.gss
                 FROM (SELECT ods_code AS ods, min(gss_code) AS gss FROM code_lookups
                        GROUP BY ods_code HAVING count(DISTINCT gss_code) = 1) l
                WHERE s.gss IS NULL AND s.ods = l.ods"""
        )


def upsert_areas(conn, boundary_set_id: int) -> dict[str, int]:
    """Areas keyed by GSS code (or ODS code when the file has none). Returns counts per action, incl. removed.

    The plan holds keys only; geometry goes straight from the staged WKB into ``areas`` (copying large
    polygons through an intermediate table costs as much as the load itself).
    """
    counts = make_plan(
        conn,
        "plan_areas",
        """
        SELECT s.n, a.id AS area_id,
               CASE WHEN a.id IS NULL THEN 'added'
                    WHEN (a.ods_code, a.gss_code, a.name, a.made_valid)
                         IS DISTINCT FROM (s.ods, s.gss, s.name, s.made_valid)
                      OR ST_AsBinary(a.geom)
                         IS DISTINCT FROM ST_AsBinary(ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(s.wkb, 'hex')), 4326)))
                    THEN 'updated' ELSE 'unchanged' END AS action
          FROM stage_areas s
          LEFT JOIN areas a ON a.boundary_set_id = %(bs)s
               AND (a.gss_code = s.gss OR (s.gss IS NULL AND a.gss_code IS NULL AND a.ods_code = s.ods))
        """,
        {"bs": boundary_set_id},
    )
    with conn.cursor() as cur:
        cur.execute(
            """DELETE FROM areas a WHERE a.boundary_set_id = %(bs)s
                  AND NOT EXISTS (SELECT 1 FROM plan_areas p WHERE p.area_id = a.id)""",
            {"bs": boundary_set_id},
        )
        counts["removed"] = cur.rowcount
        cur.execute(
            """UPDATE areas a SET ods_code = s.ods, gss_code = s.gss, name = s.name, made_valid = s.made_valid,
                      geom = ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(s.wkb, 'hex')), 4326))
                 FROM plan_areas p JOIN stage_areas s ON s.n = p.n
                WHERE p.area_id = a.id AND p.action = 'updated'"""
        )
        cur.execute(
            """INSERT INTO areas (boundary_set_id, ods_code, gss_code, name, geom, made_valid)
               SELECT %(bs)s, s.ods, s.gss, s.name, ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(s.wkb, 'hex')), 4326)),
                      s.made_valid
                 FROM plan_areas p JOIN stage_areas s ON s.n = p.n
                WHERE p.action = 'added'
                ORDER BY s.n""",
            {"bs": boundary_set_id},
        )
    return counts
