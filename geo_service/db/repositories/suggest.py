"""SQL of suggested networks: the practices of a scope as units (list size, location in metres, area, current
networks), the areas' outlines in EPSG:27700, the networks, and the stored suggestions and their jobs."""

from __future__ import annotations

from typing import Any

from psycopg2 import sql
from psycopg2.extras import Json

from geo_service.db.pool import dict_cursor
from geo_service.db.repositories.scope import current_membership, in_scope_practice, practice_state_cte


def units(conn, values: dict[str, Any]) -> list[dict]:
    """Active GP practices of the scope's nation: id, code, name, list size, x/y (EPSG:27700, NULL when not
    located), the area they belong to in the scope's boundary set (their commissioner's area, else the area
    they are located in) and the codes of their current networks. With an area in ``values``, only its own."""
    with dict_cursor(conn) as cur:
        # The planner's estimate is far off (the kept-state branch is a one-time filter): JIT would compile for
        # seconds a query that runs in milliseconds.
        cur.execute("SET LOCAL jit = off")
        cur.execute(
            sql.SQL(
                """WITH {ps},
                cur AS (SELECT m.practice_id, array_agg(n.code ORDER BY n.code COLLATE "C") AS codes
                          FROM memberships m JOIN networks n ON n.id = m.network_id
                         WHERE m.scenario_id = %(scenario_id)s AND {current}
                         GROUP BY m.practice_id)
                SELECT ps.practice_id, ps.ods_code AS code, ps.name, ps.list_size, ps.commissioner_code,
                       ST_X(ST_Transform(ps.location, 27700)) AS x, ST_Y(ST_Transform(ps.location, 27700)) AS y,
                       coalesce(ca.id, pa.area_id) AS area_id, coalesce(cur.codes, '{{}}') AS networks
                  FROM ps
                  LEFT JOIN cur ON cur.practice_id = ps.practice_id
                  LEFT JOIN areas ca ON ca.boundary_set_id = %(bs_id)s AND ca.ods_code = ps.commissioner_code
                  LEFT JOIN point_areas pa ON pa.point_id = ps.point_id AND pa.boundary_set_id = %(bs_id)s
                 WHERE {in_scope}
                   AND (%(area_id)s::integer IS NULL OR coalesce(ca.id, pa.area_id) = %(area_id)s)
                 ORDER BY ps.ods_code"""
            ).format(
                ps=practice_state_cte(),
                current=current_membership("m"),
                in_scope=in_scope_practice("ps"),
            ),
            values,
        )
        return cur.fetchall()


def areas(conn, bs_id: int, area_ids: list[int], outlines: list[int] | None = None) -> list[dict]:
    """Areas of the boundary set (code, name, ODS code) with the outline in EPSG:27700 of those in ``outlines``
    (None: all; WKB, simplified to 25 m: the neighbour graph needs shape, not detail)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT a.id, coalesce(a.ods_code, a.gss_code) AS code, a.ods_code, a.name,
                      CASE WHEN %(all)s OR a.id = ANY (%(outlines)s)
                           THEN ST_AsBinary(ST_SimplifyPreserveTopology(ST_Transform(a.geom, 27700), 25)) END AS wkb
                 FROM areas a
                WHERE a.boundary_set_id = %(bs)s AND a.id = ANY (%(ids)s)
                ORDER BY coalesce(a.ods_code, a.gss_code)""",
            {"bs": bs_id, "ids": area_ids, "all": outlines is None, "outlines": outlines or []},
        )
        rows = cur.fetchall()
        for r in rows:
            r["wkb"] = bytes(r["wkb"]) if r["wkb"] is not None else None
        return rows


def networks(conn, scenario_id: int) -> list[dict]:
    """The scenario's networks: code, name, lead commissioner, whether locked (and why), whether it has a
    polygon."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT n.code, n.name, n.lead_commissioner_code AS lead, n.locked_at IS NOT NULL AS locked,
                      n.lock_reason, n.geom IS NOT NULL AS has_polygon
                 FROM networks n WHERE n.scenario_id = %(s)s ORDER BY n.code COLLATE "C" """,
            {"s": scenario_id},
        )
        return cur.fetchall()


def codes_in_use(conn, scenario_id: int) -> set[str]:
    with conn.cursor() as cur:
        cur.execute("SELECT code FROM networks WHERE scenario_id = %(s)s", {"s": scenario_id})
        return {r[0] for r in cur.fetchall()}


def empty_networks(conn, scenario_id: int, as_of, codes: list[str]) -> list[str]:
    """Those of ``codes`` with no current member left in the scenario."""
    with conn.cursor() as cur:
        cur.execute(
            sql.SQL(
                """SELECT n.code FROM networks n
                    WHERE n.scenario_id = %(s)s AND n.code = ANY (%(codes)s)
                      AND NOT EXISTS (SELECT 1 FROM memberships m WHERE m.network_id = n.id AND {current})
                    ORDER BY n.code"""
            ).format(current=current_membership("m")),
            {"s": scenario_id, "codes": codes, "as_of": as_of},
        )
        return [r[0] for r in cur.fetchall()]


def set_band(conn, scenario_id: int, lo: int, hi: int) -> None:
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE scenarios SET min_population = %(lo)s, max_population = %(hi)s WHERE id = %(s)s",
            {"s": scenario_id, "lo": lo, "hi": hi},
        )


# ---- stored suggestions --------------------------------------------------------------------------------


def insert_suggestion(conn, values: dict[str, Any]) -> int:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO plan_suggestions (plan_id, source_id, owner_id, boundary_set_id, area_code, parameters,
                                             scorecard, moves, notes, seconds)
               VALUES (%(plan_id)s, %(source_id)s, %(owner_id)s, %(boundary_set_id)s, %(area_code)s,
                       %(parameters)s, %(scorecard)s, %(moves)s, %(notes)s, %(seconds)s)
               RETURNING id""",
            {
                **values,
                "parameters": Json(values["parameters"]),
                "scorecard": Json(values["scorecard"]),
                "moves": Json(values["moves"]),
                "notes": Json(values["notes"]),
            },
        )
        return cur.fetchone()[0]


def suggestion_of_plan(conn, plan_id: int) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT sg.*, s.slug AS plan_slug, src.slug AS source_slug, bs.slug AS boundary_set_slug
                 FROM plan_suggestions sg
                 JOIN scenarios s ON s.id = sg.plan_id
                 JOIN scenarios src ON src.id = sg.source_id
                 LEFT JOIN boundary_sets bs ON bs.id = sg.boundary_set_id
                WHERE sg.plan_id = %(p)s ORDER BY sg.id DESC LIMIT 1""",
            {"p": plan_id},
        )
        return cur.fetchone()


# ---- jobs ------------------------------------------------------------------------------------------------

_JOB_COLUMNS = """j.id, j.state, j.owner_id, j.request, j.progress, j.total, j.message, j.plan_slug, j.error,
       j.created_at, j.started_at, j.finished_at, j.attempts, j.queue_job_id"""


def insert_job(conn, owner_id: int | None, request: dict, total: int) -> int:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO suggest_jobs (owner_id, request, total) VALUES (%(o)s, %(r)s, %(t)s) RETURNING id""",
            {"o": owner_id, "r": Json(request), "t": total},
        )
        return cur.fetchone()[0]


def job(conn, job_id: int) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute("SELECT " + _JOB_COLUMNS + " FROM suggest_jobs j WHERE j.id = %(id)s", {"id": job_id})
        return cur.fetchone()


def job_started(conn, job_id: int) -> dict | None:
    """A worker of the queue starts the job (again, after a stopped worker): running, one more attempt."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """UPDATE suggest_jobs j SET state = 'running', started_at = now(), attempts = j.attempts + 1,
                                         plan_slug = NULL, error = NULL, finished_at = NULL
                WHERE j.id = %(id)s
            RETURNING """
            + _JOB_COLUMNS,
            {"id": job_id},
        )
        return cur.fetchone()


def job_queued(conn, job_id: int, queue_job_id: int) -> None:
    """The id of the job in the queue (procrastinate_jobs) that runs this suggestion."""
    with conn.cursor() as cur:
        cur.execute("UPDATE suggest_jobs SET queue_job_id = %(q)s WHERE id = %(id)s", {"id": job_id, "q": queue_job_id})


def job_progress(conn, job_id: int, progress: int, total: int, message: str) -> None:
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE suggest_jobs SET progress = %(p)s, total = %(t)s, message = %(m)s WHERE id = %(id)s""",
            {"id": job_id, "p": progress, "t": total, "m": message},
        )


def job_finished(conn, job_id: int, plan_slug: str | None, error: str | None) -> None:
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE suggest_jobs SET state = CASE WHEN %(e)s::text IS NULL THEN 'done' ELSE 'failed' END,
                                       plan_slug = %(slug)s, error = %(e)s, finished_at = now(),
                                       progress = CASE WHEN %(e)s::text IS NULL THEN total ELSE progress END
                WHERE id = %(id)s""",
            {"id": job_id, "slug": plan_slug, "e": error},
        )


# ---- writing a suggestion in bulk (the tables' triggers run once per statement, not once per network) ------


def polygons(conn, scenario_id: int, codes: list[str]) -> dict[str, dict]:
    """Code → EWKB hex, made-valid flag and origin of those of ``codes`` that have a polygon."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT code, encode(ST_AsEWKB(geom), 'hex') AS geom, geom_made_valid AS made_valid,
                      geom_origin AS origin
                 FROM networks WHERE scenario_id = %(s)s AND code = ANY (%(c)s) AND geom IS NOT NULL""",
            {"s": scenario_id, "c": codes},
        )
        return {r["code"]: dict(r) for r in cur.fetchall()}


def insert_networks(conn, scenario_id: int, rows: list[dict]) -> None:
    """New networks without polygons: ``rows`` of code, name, lead."""
    if not rows:
        return
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO networks (scenario_id, code, name, lead_commissioner_code)
               SELECT %(s)s, x.code, x.name, x.lead
                 FROM unnest(%(codes)s::text[], %(names)s::text[], %(leads)s::text[]) x (code, name, lead)""",
            {
                "s": scenario_id,
                "codes": [r["code"] for r in rows],
                "names": [r["name"] for r in rows],
                "leads": [r.get("lead") for r in rows],
            },
        )


def delete_networks(conn, scenario_id: int, codes: list[str]) -> None:
    if not codes:
        return
    with conn.cursor() as cur:
        cur.execute(
            "DELETE FROM networks WHERE scenario_id = %(s)s AND code = ANY (%(c)s)", {"s": scenario_id, "c": codes}
        )


def network_rows(conn, scenario_id: int, codes: list[str]) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT code, name, lead_commissioner_code AS lead FROM networks
                WHERE scenario_id = %(s)s AND code = ANY (%(c)s) ORDER BY code""",
            {"s": scenario_id, "c": codes},
        )
        return cur.fetchall()


def lock_networks(conn, scenario_id: int, codes: list[str], user_id: int | None, reason: str) -> None:
    if not codes:
        return
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE networks SET locked_at = now(), locked_by = %(u)s, lock_reason = %(r)s
                WHERE scenario_id = %(s)s AND code = ANY (%(c)s)""",
            {"s": scenario_id, "c": codes, "u": user_id, "r": reason},
        )
