"""Writes for the synthetic demo dataset: replace everything labelled demo in one go.

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
    "stage_members": "network text, practice text, start_date date",
}


def _stage(cur, table: str, rows: list[tuple]) -> None:
    ident = sql.Identifier(table)
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
    cur.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(ident, sql.SQL(_STAGES[table])))
    execute_values(cur, sql.SQL("INSERT INTO {} VALUES %s").format(ident).as_string(cur), rows)


def delete_demo(conn, boundary_set_slug: str, scenario_slugs: list[str], practice_prefix: str) -> None:
    with conn.cursor() as cur:
        cur.execute("DELETE FROM scenarios WHERE slug = ANY(%(s)s)", {"s": scenario_slugs})
        cur.execute("DELETE FROM boundary_sets WHERE slug = %(b)s", {"b": boundary_set_slug})
        cur.execute("DELETE FROM practices WHERE ods_code LIKE %(p)s", {"p": practice_prefix + "%"})


def insert_boundary_set(conn, bs: dict, source_id: int) -> int:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO boundary_sets (slug, name, level, vintage, source_id)
               VALUES (%(slug)s, %(name)s, %(level)s, %(vintage)s, %(source_id)s) RETURNING id""",
            {**bs, "source_id": source_id},
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


def insert_practices(conn, rows: list[tuple], source_id: int) -> None:
    """rows: (ods, name, postcode, commissioner, status, list_size, list_size_date, extended_hours, wkb_hex|None)."""
    with conn.cursor() as cur:
        _stage(cur, "stage_practices", rows)
        cur.execute(
            """INSERT INTO practices (ods_code, name, postcode, commissioner_code, status, prescribing_setting,
                                      list_size, list_size_date, extended_hours, location,
                                      source_id, list_size_source_id, location_source_id)
               SELECT ods, name, postcode, comm, status, 4, size, size_date, ext,
                      ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), 4326), %(src)s, %(src)s, %(src)s
                 FROM stage_practices""",
            {"src": source_id},
        )


def insert_scenario(conn, slug: str, name: str, description: str, source_id: int) -> int:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO scenarios (slug, name, description, source_id)
               VALUES (%(slug)s, %(name)s, %(d)s, %(src)s) RETURNING id""",
            {"slug": slug, "name": name, "d": description, "src": source_id},
        )
        return cur.fetchone()[0]


def insert_networks(conn, scenario_id: int, rows: list[tuple], source_id: int) -> None:
    """rows: (code, name, lead_commissioner_code, wkb_hex|None, made_valid)."""
    with conn.cursor() as cur:
        _stage(cur, "stage_networks", rows)
        cur.execute(
            """INSERT INTO networks (scenario_id, code, name, lead_commissioner_code, geom, geom_made_valid, source_id)
               SELECT %(sc)s, code, name, lead, ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(wkb, 'hex')), 4326)),
                      made_valid, %(src)s
                 FROM stage_networks""",
            {"sc": scenario_id, "src": source_id},
        )


def insert_memberships(conn, scenario_id: int, rows: list[tuple], source_id: int) -> None:
    """rows: (network_code, practice_ods_code, start_date)."""
    with conn.cursor() as cur:
        _stage(cur, "stage_members", rows)
        cur.execute(
            """INSERT INTO memberships (scenario_id, network_id, practice_id, start_date, source_id)
               SELECT %(sc)s, n.id, p.id, d.start_date, %(src)s
                 FROM stage_members d
                 JOIN networks n ON n.scenario_id = %(sc)s AND n.code = d.network
                 JOIN practices p ON p.ods_code = d.practice""",
            {"sc": scenario_id, "src": source_id},
        )
