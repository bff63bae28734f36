"""Read-only listings of what is loaded: boundary sets, areas, scenarios, with counts."""

from __future__ import annotations

from geo_service.db.pool import dict_cursor


def boundary_sets(conn) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT bs.slug, bs.name, bs.level, bs.vintage, count(a.id)::int AS area_count
              FROM boundary_sets bs LEFT JOIN areas a ON a.boundary_set_id = bs.id
             GROUP BY bs.id ORDER BY bs.vintage DESC, bs.name
            """
        )
        return cur.fetchall()


def boundary_set_exists(conn, slug: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM boundary_sets WHERE slug = %(slug)s)", {"slug": slug})
        return cur.fetchone()[0]


def areas(conn, boundary_set_slug: str) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT a.ods_code, a.gss_code, a.name,
                   (SELECT count(*)::int FROM practices p
                     WHERE p.status = 'active' AND p.prescribing_setting = 4
                       AND p.commissioner_code = a.ods_code) AS practice_count
              FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id
             WHERE bs.slug = %(slug)s
             ORDER BY a.name
            """,
            {"slug": boundary_set_slug},
        )
        return cur.fetchall()


def scenarios(conn) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT s.slug, s.name, s.description,
                   (SELECT count(*)::int FROM networks n WHERE n.scenario_id = s.id) AS network_count,
                   (SELECT count(*)::int FROM memberships m WHERE m.scenario_id = s.id
                       AND (m.end_date IS NULL OR m.end_date >= current_date)) AS membership_count
              FROM scenarios s ORDER BY s.created_at, s.name
            """
        )
        return cur.fetchall()


def practice_counts(conn) -> dict:
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT count(*) FILTER (WHERE status = 'active')::int AS active,
                   count(*) FILTER (WHERE status = 'active' AND location IS NOT NULL)::int AS located,
                   count(*) FILTER (WHERE status = 'closed')::int AS closed
              FROM practices
             WHERE prescribing_setting = 4  -- GP practices (ePCN partners of other kinds are kept too)
            """
        )
        return cur.fetchone()
