"""Look-ups the rule engine needs before it runs a check: scenario, boundary set, area, dates."""

from __future__ import annotations

from geo_service.db.pool import dict_cursor


def scenario(conn, slug: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT id, slug, name, min_population, max_population FROM scenarios WHERE slug = %(slug)s",
            {"slug": slug},
        )
        return cur.fetchone()


def boundary_set(conn, slug: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute("SELECT id, slug, name, level FROM boundary_sets WHERE slug = %(slug)s", {"slug": slug})
        return cur.fetchone()


def boundary_set_slugs(conn) -> list[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT slug FROM boundary_sets ORDER BY slug")
        return [r[0] for r in cur.fetchall()]


def area(conn, boundary_set_id: int, code: str) -> dict | None:
    """An area of the boundary set by ODS code (``99J``) or GSS code (``E38000199``), case-insensitive."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT id, ods_code, gss_code, name FROM areas
             WHERE boundary_set_id = %(bs)s AND (upper(ods_code) = upper(%(code)s) OR upper(gss_code) = upper(%(code)s))
             ORDER BY id LIMIT 1
            """,
            {"bs": boundary_set_id, "code": code},
        )
        return cur.fetchone()


def newest_list_size_date(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT max(list_size_date) FROM practices")
        return cur.fetchone()[0]
