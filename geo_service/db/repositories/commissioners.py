"""Commissioner and area names by code, so findings show "NHS West Kent CCG (99J)" and not only "99J"."""

from __future__ import annotations

from collections.abc import Iterable

from geo_service.db.pool import dict_cursor


def names_by_code(conn, codes: Iterable[str], boundary_set_id: int | None = None) -> dict[str, str]:
    """Code -> name for the given ODS (or GSS) codes of areas; the scope's boundary set first, then the newest."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    with dict_cursor(conn) as cur:
        cur.execute(
            """
            SELECT DISTINCT ON (c.code) c.code, a.name
              FROM unnest(%(codes)s::text[]) c(code)
              JOIN areas a ON a.ods_code = c.code OR a.gss_code = c.code
              JOIN boundary_sets b ON b.id = a.boundary_set_id
             ORDER BY c.code, (a.boundary_set_id = %(bs_id)s) DESC NULLS LAST, b.valid_from DESC NULLS LAST, a.id DESC
            """,
            {"codes": wanted, "bs_id": boundary_set_id},
        )
        return {r["code"]: r["name"] for r in cur.fetchall()}
