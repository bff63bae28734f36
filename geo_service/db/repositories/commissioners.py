"""Commissioner and area names by code, so findings show "NHS West Kent CCG (99J)" and not only "99J".

A code is shown with the name it had on the scenario's date (SQL ``area_name_in_force``): 01G in April 2022 is
"NHS Salford CCG" (the CCG April 2021 set is in force), not "NHS Greater Manchester ICB - 01G" (sub-ICB names
began in July 2022). Pages, exports, prints and embeds all take names through :func:`names_in_force`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from geo_service.db.pool import dict_cursor


def names_in_force(conn, codes: Iterable[str], as_of: date, dataset: str, level: str | None = None) -> dict[str, str]:
    """Code -> the name it had on ``as_of`` in ``dataset`` (at ``level`` when given: 'ccg', 'sub_icb', …):
    the boundary set in force on the date (the latest starting on or before it, else the earliest after),
    else a dated lookup file. Codes with no name are left out."""
    wanted = sorted({str(c) for c in codes if c})
    if not wanted:
        return {}
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT c.code, area_name_in_force(c.code, %(ds)s, %(as_of)s::date, %(level)s) AS name
                 FROM unnest(%(codes)s::text[]) c (code)""",
            {"codes": wanted, "ds": dataset, "as_of": as_of, "level": level},
        )
        return {r["code"]: r["name"] for r in cur.fetchall() if r["name"]}


def name_in_force(conn, code: str, as_of: date, dataset: str, level: str | None = None) -> str | None:
    """The name one code had on ``as_of`` (see :func:`names_in_force`)."""
    return names_in_force(conn, [code], as_of, dataset, level).get(code)


def names_by_code(
    conn,
    codes: Iterable[str],
    boundary_set_id: int | None = None,
    *,
    as_of: date | None = None,
    dataset: str | None = None,
) -> dict[str, str]:
    """Code -> name for the given ODS (or GSS) codes of areas. With the scope's date and dataset: the name in
    force on that date (:func:`names_in_force`). Without (no scope known): the boundary set's, then the newest."""
    if as_of is not None and dataset is not None:
        return names_in_force(conn, codes, as_of, dataset)
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
