"""Staging for imports: rows are COPYed into a temporary table, then moved by set-based SQL.

Stage tables and their column lists are constants here (never built from input).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from psycopg2 import sql

STAGES = {
    "stage_areas": "n int, ods text, gss text, name text, wkb text, made_valid boolean",
    "stage_practices": "ods text, name text, postcode text, comm text, status text, setting smallint, nation text,"
    " line int",
    "stage_list_sizes": "ods text, size int, size_date date, ccg_ods text, ccg_gss text",
    "stage_postcodes": "pc text, lon double precision, lat double precision",
    "stage_networks": "code text, name text, lead text",
    "stage_members": "network text, practice text, partner_name text, partner_comm text,"
    " start_date date, end_date date",
    "stage_network_geoms": "n int, code text, name text, wkb text, made_valid boolean",
    "stage_lookups": "ods text, gss text, name text",
    "stage_payments": "ods text, financial_year text, pcn_code text, pcn_name text, ccg_code text, contract_type text,"
    " dispensing boolean, rurality text, registered_patients numeric, weighted_patients numeric,"
    " extended_hours_paid numeric, network_payments numeric",
    "stage_deprivation": "ods text, imd_year smallint, score numeric",
    "stage_age_bands": "ods text, total int, under_65 int, aged_65_plus int",
}


# COPY's NULL marker (written unquoted); with it set, COPY reads an empty field as an empty string.
_NULL = "\\N"


def stage(conn, table: str, rows: Iterable[Sequence]) -> int:
    """(Re)create temp table ``table`` and COPY ``rows`` into it. Returns the row count."""
    ident = sql.Identifier(table)
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    count = 0
    for row in rows:
        writer.writerow([_NULL if v is None else "t" if v is True else "f" if v is False else v for v in row])
        count += 1
    buf.seek(0)
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
        cur.execute(sql.SQL("CREATE TEMP TABLE {} ({}) ON COMMIT DROP").format(ident, sql.SQL(STAGES[table])))
        if "wkb text" in STAGES[table]:
            # Geometry hex is large and short-lived: compressing it (the default for big text) costs more
            # than the whole rest of the COPY.
            cur.execute(sql.SQL("ALTER TABLE {} ALTER COLUMN wkb SET STORAGE EXTERNAL").format(ident))
        cur.copy_expert(sql.SQL("COPY {} FROM STDIN WITH (FORMAT csv, NULL '\\N')").format(ident).as_string(cur), buf)
        # Autovacuum never analyses temp tables: without statistics the planner guesses nested loops.
        cur.execute(sql.SQL("ANALYZE {}").format(ident))
    return count


def make_plan(conn, table: str, select: sql.Composable | str, params: dict) -> dict[str, int]:
    """(Re)create temp table ``table`` from ``select`` (which has an ``action`` column); count rows per action."""
    ident = sql.Identifier(table)
    query = select if isinstance(select, sql.Composable) else sql.SQL(select)
    with conn.cursor() as cur:
        cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
        cur.execute(sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS ").format(ident) + query, params)
        cur.execute(sql.SQL("ANALYZE {}").format(ident))
        cur.execute(sql.SQL("SELECT action, count(*)::int FROM {} GROUP BY action").format(ident))
        return dict(cur.fetchall())


# Tables an import may fill in bulk inside one long transaction (a bundle).
_ANALYSABLE = (
    "areas",
    "practices",
    "practice_register",
    "practice_list_sizes",
    "postcode_points",
    "networks",
    "memberships",
    "practice_payments",
    "practice_deprivation",
    "practice_age_bands",
)


def refresh_statistics(conn, table: str) -> None:
    """ANALYZE a table the import just filled, so later statements of the same transaction (and the
    triggers they fire) are planned for its real size rather than for an empty table."""
    if table not in _ANALYSABLE:
        raise ValueError(f"not an import table: {table}")
    with conn.cursor() as cur:
        cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))


def refresh_changed_statistics(conn) -> list[str]:
    """ANALYZE every table of the schema this transaction changed in bulk: more than 1,000 rows and a tenth of the
    table's size when last analysed (any change to a table never analysed). Autovacuum would analyse them a minute
    or more after the import commits, and until then the planner sees the tables as they were before it: after a
    bundle import the location table (point_areas) was still estimated at the demo's 62 rows and comparing two
    scenarios in one area took 14.5 s instead of 0.4 s. Smaller changes are left to autovacuum (autovacuum's own
    floor, 50 rows, made every small upload pay a dozen ANALYZEs: 10 s more over the quick test tier's imports).
    The kept state's partitions are left out (their refresh analyses them). ANALYZE reads a sample (England's
    derived tables: about 0.3 s) and counts this transaction's own rows. Returns the tables analysed, in name
    order (the order the locks are taken in)."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT c.relname FROM pg_stat_xact_user_tables s JOIN pg_class c ON c.oid = s.relid
                WHERE s.schemaname = 'public' AND c.relkind = 'r' AND NOT c.relispartition
                  AND s.n_tup_ins + s.n_tup_upd + s.n_tup_del > CASE WHEN c.reltuples < 0 THEN 0
                                                                      ELSE 1000 + 0.1 * c.reltuples END
                ORDER BY 1"""
        )
        tables = [r[0] for r in cur.fetchall()]
        for table in tables:
            cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table)))
    return tables
