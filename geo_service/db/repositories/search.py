"""Look-ups for the one search box and for canonical URLs: areas of every boundary set, networks of every
scenario, practices of every register extract, matched by name, code or postcode in any case.

Each match carries a ``score`` (100 exact code, 95 exact postcode, 90 exact name, 70 name starts with the
text, 60 a word of the name starts with it, 50 the name contains it) so that the service can rank and decide
whether one hit is confident. LIKE wildcards typed by the user are plain text.
"""

from __future__ import annotations

from psycopg2 import sql

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories.scope import current_membership


def _literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _values(text: str, limit: int) -> dict:
    lit = _literal(text)
    return {
        "q": text,
        "starts": lit + "%",
        "word": "% " + lit + "%",
        "contains": "%" + lit + "%",
        "compact": text.replace(" ", "").upper(),
        "limit": limit,
    }


_NAME_SCORE = """CASE WHEN lower({col}) = lower(%(q)s) THEN 90
                      WHEN {col} ILIKE %(starts)s THEN 70
                      WHEN {col} ILIKE %(word)s THEN 60
                      WHEN {col} ILIKE %(contains)s THEN 50 END"""


def areas_matching(conn, text: str, limit: int = 40) -> list[dict]:
    """Areas of every boundary set whose ODS or GSS code is the text, or whose name holds it."""
    name_score = sql.SQL(_NAME_SCORE).format(col=sql.SQL("a.name"))
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            SELECT * FROM (
              SELECT a.ods_code, a.gss_code, a.name, coalesce(a.ods_code, a.gss_code) AS code,
                     bs.slug AS boundary_set, bs.name AS boundary_set_name, bs.level, bs.valid_from, bs.dataset,
                     CASE WHEN upper(a.ods_code) = %(compact)s OR upper(a.gss_code) = %(compact)s THEN 100
                          ELSE {name_score} END AS score
                FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id) m
             WHERE score IS NOT NULL
             ORDER BY score DESC, valid_from DESC, name
             LIMIT %(limit)s"""
            ).format(name_score=name_score),
            _values(text, limit),
        )
        return cur.fetchall()


def networks_matching(conn, text: str, limit: int = 40) -> list[dict]:
    """Networks of every scenario whose code is the text, or whose name holds it."""
    name_score = sql.SQL(_NAME_SCORE).format(col=sql.SQL("n.name"))
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            SELECT * FROM (
              SELECT n.code, n.name, n.lead_commissioner_code, s.slug AS scenario, s.name AS scenario_name,
                     s.dataset, s.as_of,
                     CASE WHEN upper(n.code) = %(compact)s THEN 100 ELSE {name_score} END AS score
                FROM networks n JOIN scenarios s ON s.id = n.scenario_id) m
             WHERE score IS NOT NULL
             ORDER BY score DESC, as_of DESC, name
             LIMIT %(limit)s"""
            ).format(name_score=name_score),
            _values(text, limit),
        )
        return cur.fetchall()


def practices_matching(conn, text: str, limit: int = 40) -> list[dict]:
    """Practices by ODS code, postcode (any spacing) or name, each with its newest register entry and the
    dataset of that entry's extract."""
    name_score = sql.SQL(_NAME_SCORE).format(col=sql.SQL("r.name"))
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """
            SELECT * FROM (
              SELECT DISTINCT ON (r.practice_id) r.practice_id, r.ods_code AS code, r.name, r.postcode,
                     r.commissioner_code, e.dataset,
                     CASE WHEN upper(r.ods_code) = %(compact)s THEN 100
                          WHEN r.postcode_key = %(compact)s THEN 95
                          WHEN length(%(compact)s) >= 3 AND r.postcode_key LIKE %(compact)s || '%%' THEN 55
                          ELSE {name_score} END AS score
                FROM practice_register r JOIN extracts e ON e.id = r.extract_id
               WHERE r.status = 'active'
               ORDER BY r.practice_id, e.extract_date DESC NULLS LAST, e.id DESC) m
             WHERE score IS NOT NULL
             ORDER BY score DESC, name
             LIMIT %(limit)s"""
            ).format(name_score=name_score),
            _values(text, limit),
        )
        return cur.fetchall()


def practice_network(conn, scenario_id: int, as_of, practice_id: int) -> dict | None:
    """The practice's current network in the scenario (the first by code if several)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            sql.SQL(
                """SELECT n.code, n.name FROM memberships m JOIN networks n ON n.id = m.network_id
                    WHERE m.scenario_id = %(sid)s AND m.practice_id = %(pid)s AND {current}
                    ORDER BY n.code LIMIT 1"""
            ).format(current=current_membership("m")),
            {"sid": scenario_id, "pid": practice_id, "as_of": as_of},
        )
        return cur.fetchone()


def suggestion_words(conn, dataset: str | None = None, scenarios: list[str] | None = None) -> list[dict]:
    """Every area and network name and code (of one dataset, or all; networks of the given scenarios only,
    when given), for did-you-mean."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT DISTINCT 'area' AS kind, coalesce(a.ods_code, a.gss_code) AS code, a.name
              FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id
             WHERE %(ds)s::text IS NULL OR bs.dataset = %(ds)s
            UNION
            SELECT DISTINCT 'network', n.code, n.name
              FROM networks n JOIN scenarios s ON s.id = n.scenario_id
             WHERE (%(ds)s::text IS NULL OR s.dataset = %(ds)s)
               AND (%(scenarios)s::text[] IS NULL OR s.slug = ANY(%(scenarios)s::text[]))
            """,
            {"ds": dataset, "scenarios": scenarios},
        )
        return cur.fetchall()


def scenario_slugs(conn) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT id, slug, name, dataset, as_of, boundary_set_id FROM scenarios ORDER BY dataset, as_of DESC"
        )
        return cur.fetchall()


def canonical_scenario(conn, slug: str) -> str | None:
    with conn.cursor() as cur:
        cur.execute("SELECT slug FROM scenarios WHERE lower(slug) = lower(%(s)s) ORDER BY id LIMIT 1", {"s": slug})
        row = cur.fetchone()
        return row[0] if row else None


def canonical_area_code(conn, scenario_slug: str, code: str) -> str | None:
    """The area code as stored (ODS or GSS) in any boundary set of the scenario's dataset."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT CASE WHEN upper(a.ods_code) = upper(%(c)s) THEN a.ods_code ELSE a.gss_code END
                 FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id
                 JOIN scenarios s ON s.dataset = bs.dataset AND lower(s.slug) = lower(%(s)s)
                WHERE upper(a.ods_code) = upper(%(c)s) OR upper(a.gss_code) = upper(%(c)s)
                ORDER BY bs.valid_from DESC LIMIT 1""",
            {"s": scenario_slug, "c": code},
        )
        row = cur.fetchone()
        return row[0] if row else None


def canonical_network_code(conn, scenario_slug: str, code: str) -> str | None:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT n.code FROM networks n JOIN scenarios s ON s.id = n.scenario_id
                WHERE lower(s.slug) = lower(%(s)s) AND upper(n.code) = upper(%(c)s) LIMIT 1""",
            {"s": scenario_slug, "c": code},
        )
        row = cur.fetchone()
        return row[0] if row else None


def areas_of_set(conn, boundary_set_id: int) -> list[dict]:
    """Code and name of every area of a boundary set (the overview's text list of its map)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT coalesce(ods_code, gss_code) AS code, name FROM areas
                WHERE boundary_set_id = %(bs)s ORDER BY name""",
            {"bs": boundary_set_id},
        )
        return cur.fetchall()
