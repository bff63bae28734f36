"""Writes for the synthetic demo dataset: everything of the ``synthetic`` dataset, replaced in one go.

Rows are staged in temporary tables with ``execute_values`` and moved with one
set-based ``INSERT … SELECT`` each. Geometry arrives as WKB hex in EPSG:4326.
"""

from __future__ import annotations

from psycopg2 import sql
from psycopg2.extras import execute_values

_STAGES = {
    "stage_areas": "ods text, gss text, name text, wkb text",
    "stage_practices": "ods text, name text, postcode text, comm text, status text, size int, size_date date,"
    " ext boolean, wkb text",
    "stage_networks": "code text, name text, lead text, wkb text, made_valid boolean",
    "stage_members": "network text, practice text, start_date date, end_date date",
}


def _stage(cur, table: str, rows: list[tuple]) -> None:
    ident = sql.Identifier(table)
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
    cur.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(ident, sql.SQL(_STAGES[table])))
    execute_values(cur, sql.SQL("INSERT INTO {} VALUES %s").format(ident).as_string(cur), rows)


def delete_synthetic(conn) -> dict[str, int]:
    """Remove the synthetic dataset: its scenarios, boundary sets and extracts (with their facts), then the
    practice identities nothing refers to any more. Real rows are never touched: every statement selects by
    dataset, and an identity goes only when no fact or membership of any dataset names it."""
    counts = {}
    with conn.cursor() as cur:
        for table in ("scenarios", "boundary_sets", "extracts"):
            cur.execute(sql.SQL("DELETE FROM {} WHERE dataset = 'synthetic'").format(sql.Identifier(table)))
            counts[table] = cur.rowcount
        cur.execute(
            """DELETE FROM practices p
                WHERE NOT EXISTS (SELECT 1 FROM practice_register r WHERE r.practice_id = p.id)
                  AND NOT EXISTS (SELECT 1 FROM practice_list_sizes l WHERE l.practice_id = p.id)
                  AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.practice_id = p.id)"""
        )
        counts["practices"] = cur.rowcount
    return counts


def insert_boundary_set(conn, bs: dict, source_id: int, valid_from) -> int:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO boundary_sets (slug, name, level, vintage, source_id, valid_from, dataset)
               VALUES (%(slug)s, %(name)s, %(level)s, %(vintage)s, %(source_id)s, %(valid_from)s, 'synthetic')
               RETURNING id""",
            {**bs, "source_id": source_id, "valid_from": valid_from},
        )
        return cur.fetchone()[0]


def insert_areas(conn, boundary_set_id: int, rows: list[tuple]) -> None:
    """rows: (ods_code, gss_code, name, wkb_hex)."""
    with conn.cursor() as cur:
        _stage(cur, "stage_areas", rows)
        cur.execute(
            """INSERT INTO areas (boundary_set_id, ods_code, gss_code, name, geom)
               SELECT %(bs)s, ods, gss, name, ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), 4326))
                 FROM stage_areas""",
            {"bs": boundary_set_id},
        )


def insert_practices(conn, rows: list[tuple], extracts: dict[str, int]) -> None:
    """rows: (ods, name, postcode, commissioner, status, list_size, list_size_date, extended_hours, wkb_hex|None),
    written as facts of the synthetic register, list-size and postcode extracts."""
    with conn.cursor() as cur:
        _stage(cur, "stage_practices", rows)
        cur.execute("INSERT INTO practices (ods_code) SELECT ods FROM stage_practices ON CONFLICT DO NOTHING")
        cur.execute(
            """INSERT INTO practice_register (extract_id, practice_id, name, postcode, status, prescribing_setting,
                                               commissioner_code, nation, extended_hours, ods_code)
               SELECT %(reg)s, p.id, s.name, s.postcode, s.status, 4, s.comm, 'england', s.ext, p.ods_code
                 FROM stage_practices s JOIN practices p ON p.ods_code = s.ods""",
            extracts,
        )
        cur.execute(
            """INSERT INTO practice_list_sizes (extract_id, practice_id, list_size, list_size_date)
               SELECT %(ls)s, p.id, s.size, s.size_date
                 FROM stage_practices s JOIN practices p ON p.ods_code = s.ods WHERE s.size IS NOT NULL""",
            extracts,
        )
        cur.execute(
            """INSERT INTO postcode_points (extract_id, postcode_key, geom)
               SELECT DISTINCT ON (upper(replace(s.postcode, ' ', ''))) %(loc)s, upper(replace(s.postcode, ' ', '')),
                      ST_SetSRID(ST_GeomFromWKB(decode(s.wkb, 'hex')), 4326)
                 FROM stage_practices s WHERE s.wkb IS NOT NULL AND s.postcode IS NOT NULL
                ORDER BY upper(replace(s.postcode, ' ', '')), s.ods""",
            extracts,
        )


def insert_scenario(conn, slug: str, name: str, description: str, source_id: int, as_of, extracts: dict) -> int:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO scenarios (slug, name, description, source_id, dataset, as_of,
                                      register_extract_id, list_size_extract_id, location_extract_id)
               VALUES (%(slug)s, %(name)s, %(d)s, %(src)s, 'synthetic', %(as_of)s, %(reg)s, %(ls)s, %(loc)s)
               RETURNING id""",
            {"slug": slug, "name": name, "d": description, "src": source_id, "as_of": as_of, **extracts},
        )
        return cur.fetchone()[0]


def insert_networks(conn, scenario_id: int, rows: list[tuple], source_id: int) -> None:
    """rows: (code, name, lead_commissioner_code, wkb_hex|None, made_valid)."""
    with conn.cursor() as cur:
        _stage(cur, "stage_networks", rows)
        cur.execute(
            """INSERT INTO networks (scenario_id, code, name, lead_commissioner_code, geom, geom_made_valid, source_id,
                                   geom_origin)
               SELECT %(sc)s, code, name, lead, ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), 4326)),
                      made_valid, %(src)s, CASE WHEN wkb IS NULL THEN NULL ELSE 'imported' END
                 FROM stage_networks""",
            {"sc": scenario_id, "src": source_id},
        )


def insert_memberships(conn, scenario_id: int, rows: list[tuple], source_id: int) -> None:
    """rows: (network_code, practice_ods_code, start_date, end_date)."""
    with conn.cursor() as cur:
        _stage(cur, "stage_members", rows)
        cur.execute(
            """INSERT INTO memberships (scenario_id, network_id, practice_id, start_date, end_date, source_id)
               SELECT %(sc)s, n.id, p.id, d.start_date, d.end_date, %(src)s
                 FROM stage_members d
                 JOIN networks n ON n.scenario_id = %(sc)s AND n.code = d.network
                 JOIN practices p ON p.ods_code = d.practice""",
            {"sc": scenario_id, "src": source_id},
        )
