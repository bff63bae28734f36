"""SQL of what the plan editor looks up around an edit: populations of networks, the areas an edit touches, the
editor's lists of networks and practices, unassigned practices and the networks suggested for them, and the
committed state the findings kept between edits are keyed on."""

from __future__ import annotations

from typing import Any

from geo_service.db.pool import dict_cursor


def committed_state(conn) -> tuple[int, int | None]:
    """(data version, id of the transaction that made it): together they name one committed state of the data.

    The version alone is not enough to key results computed inside a writing transaction: a transaction
    rolled back frees its version number for the next writer; transaction ids are never given out twice."""
    with conn.cursor() as cur:
        cur.execute("SELECT version, last_txid FROM data_version")
        version, txid = cur.fetchone()
        return int(version), (int(txid) if txid is not None else None)


def populations(conn, scenario_id: int, codes: list[str]) -> dict[str, dict]:
    """Network code → member count, population (known list sizes) and unknown list sizes, from the plan's kept
    current members (``scenario_members``, maintained by triggers)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT n.code, n.name, count(sm.practice_id)::int AS members,
                      coalesce(sum(sm.list_size), 0)::bigint AS population,
                      (count(sm.practice_id) - count(sm.list_size))::int AS unknown_list_sizes
                 FROM networks n
                 LEFT JOIN scenario_members sm ON sm.scenario_id = %(s)s AND sm.network_id = n.id
                WHERE n.scenario_id = %(s)s AND n.code = ANY (%(c)s)
                GROUP BY n.code, n.name""",
            {"s": scenario_id, "c": codes},
        )
        return {r["code"]: r for r in cur.fetchall()}


def practice_codes_of(conn, scenario_id: int, practice_ids: list[int]) -> list[str]:
    """ODS codes of these practices of the plan's own state, in code order."""
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT ods_code FROM scenario_practice_state WHERE scenario_id = %(s)s AND practice_id = ANY (%(p)s)"
            " ORDER BY ods_code",
            {"s": scenario_id, "p": practice_ids},
        )
        return [r["ods_code"] for r in cur.fetchall()]


def editor_networks(conn, scenario_id: int) -> list[dict]:
    """Every network of the plan with its population and lock (the editor's side list)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT n.code, n.name, n.lead_commissioner_code AS lead, n.locked_at IS NOT NULL AS locked,
                      n.lock_reason, n.geom IS NOT NULL AS has_polygon, count(sm.practice_id)::int AS members,
                      coalesce(sum(sm.list_size), 0)::bigint AS population
                 FROM networks n
                 LEFT JOIN scenario_members sm ON sm.scenario_id = %(s)s AND sm.network_id = n.id
                WHERE n.scenario_id = %(s)s
                GROUP BY n.id ORDER BY n.code COLLATE "C" """,
            {"s": scenario_id},
        )
        return cur.fetchall()


def editor_practices(conn, scenario_id: int, area_id: int | None, bs_id: int | None) -> list[dict]:
    """Active GP practices of the plan (optionally those located in one area) with location and network."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT ps.ods_code AS code, ps.name, ps.list_size, ps.commissioner_code,
                      ST_X(pt.geom) AS lon, ST_Y(pt.geom) AS lat,
                      (SELECT array_agg(sm.network_code ORDER BY sm.network_code) FROM scenario_members sm
                        WHERE sm.scenario_id = %(s)s AND sm.practice_id = ps.practice_id) AS networks
                 FROM scenario_practice_state ps
                 JOIN postcode_points pt ON pt.id = ps.point_id
                WHERE ps.scenario_id = %(s)s AND ps.active_gp AND ps.in_nation
                  AND (%(area)s::integer IS NULL OR EXISTS (
                        SELECT 1 FROM point_areas pa WHERE pa.point_id = ps.point_id
                           AND pa.boundary_set_id = %(bs)s AND pa.area_id = %(area)s))
                ORDER BY ps.ods_code""",
            {"s": scenario_id, "area": area_id, "bs": bs_id},
        )
        return cur.fetchall()


def areas_of_networks(conn, scenario_id: int, bs_id: int, codes: list[str]) -> list[str]:
    """Codes (ODS, else GSS) of the areas of a boundary set holding current members of these networks, or
    being their lead commissioner."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT DISTINCT coalesce(a.ods_code, a.gss_code) FROM areas a
                WHERE a.boundary_set_id = %(bs)s AND (
                      a.id IN (SELECT pa.area_id FROM scenario_members sm
                                 JOIN point_areas pa ON pa.point_id = sm.point_id AND pa.boundary_set_id = %(bs)s
                                WHERE sm.scenario_id = %(s)s AND sm.network_code = ANY (%(c)s))
                   OR a.ods_code IN (SELECT n.lead_commissioner_code FROM networks n
                                      WHERE n.scenario_id = %(s)s AND n.code = ANY (%(c)s)))
                ORDER BY 1""",
            {"s": scenario_id, "bs": bs_id, "c": codes},
        )
        return [r[0] for r in cur.fetchall()]


def area_of_practices(conn, scenario_id: int, bs_id: int, practice_ids: list[int]) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT DISTINCT coalesce(a.ods_code, a.gss_code)
                 FROM scenario_practice_state ps
                 JOIN point_areas pa ON pa.point_id = ps.point_id AND pa.boundary_set_id = %(bs)s
                 JOIN areas a ON a.id = pa.area_id
                WHERE ps.scenario_id = %(s)s AND ps.practice_id = ANY (%(p)s) ORDER BY 1""",
            {"s": scenario_id, "bs": bs_id, "p": practice_ids},
        )
        return [r[0] for r in cur.fetchall()]


def unassigned(conn, values: dict[str, Any]) -> list[dict]:
    """Active GP practices of the plan's nation (in the scope's area by location, when it has one) with no
    current membership, with list size and commissioner."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT ps.practice_id, ps.ods_code AS code, ps.name, ps.commissioner_code, ps.list_size, ps.point_id
                 FROM scenario_practice_state ps
                WHERE ps.scenario_id = %(scenario_id)s AND ps.active_gp AND ps.in_nation
                  AND NOT EXISTS (SELECT 1 FROM scenario_members sm
                                   WHERE sm.scenario_id = %(scenario_id)s AND sm.practice_id = ps.practice_id)
                  AND (%(area_id)s::integer IS NULL OR EXISTS (
                        SELECT 1 FROM point_areas pa WHERE pa.point_id = ps.point_id
                           AND pa.boundary_set_id = %(bs_id)s AND pa.area_id = %(area_id)s))
                ORDER BY ps.ods_code""",
            values,
        )
        return cur.fetchall()


def suggestions(conn, scenario_id: int, practice_id: int, max_population: int, limit: int = 3) -> list[dict]:
    """Networks of the practice's commissioner (lead, or a current member's) nearest to the practice
    (distance to their nearest member, PostGIS KNN on geography), with the population they would reach;
    only those that stay at or below ``max_population`` with it."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """WITH p AS (SELECT ps.practice_id, ps.commissioner_code, coalesce(ps.list_size, 0) AS list_size, pt.geom
                           FROM scenario_practice_state ps JOIN postcode_points pt ON pt.id = ps.point_id
                          WHERE ps.scenario_id = %(s)s AND ps.practice_id = %(p)s),
                    cand AS (SELECT n.id, n.code, n.name, n.locked_at IS NOT NULL AS locked
                               FROM networks n, p
                              WHERE n.scenario_id = %(s)s
                                AND (n.lead_commissioner_code = p.commissioner_code
                                     OR EXISTS (SELECT 1 FROM scenario_members sm
                                                 WHERE sm.scenario_id = %(s)s AND sm.network_id = n.id
                                                   AND sm.commissioner_code = p.commissioner_code))),
                    pop AS (SELECT c.id, coalesce(sum(sm.list_size), 0)::bigint AS population
                              FROM cand c
                              LEFT JOIN scenario_members sm ON sm.scenario_id = %(s)s AND sm.network_id = c.id
                             GROUP BY c.id)
               SELECT c.code, c.name, pop.population, pop.population + p.list_size AS population_with,
                      d.distance_m
                 FROM cand c JOIN pop ON pop.id = c.id CROSS JOIN p
                 CROSS JOIN LATERAL (
                       SELECT ST_Distance(pt.geom::geography, p.geom::geography) AS distance_m
                         FROM scenario_members sm JOIN postcode_points pt ON pt.id = sm.point_id
                        WHERE sm.scenario_id = %(s)s AND sm.network_id = c.id
                        ORDER BY pt.geom <-> p.geom LIMIT 1) d
                WHERE NOT c.locked AND pop.population + p.list_size <= %(max)s
                ORDER BY d.distance_m, c.code LIMIT %(lim)s""",
            {"s": scenario_id, "p": practice_id, "max": max_population, "lim": limit},
        )
        return cur.fetchall()


def practice_names(conn, scenario_id: int, practice_ids: list[int]) -> dict[int, dict]:
    """Practice id → its ODS code and name in the plan's own state (for summaries and the plan's history)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT practice_id, ods_code AS code, name FROM scenario_practice_state"
            " WHERE scenario_id = %(s)s AND practice_id = ANY (%(p)s)",
            {"s": scenario_id, "p": practice_ids},
        )
        return {r["practice_id"]: {"code": r["code"], "name": r["name"]} for r in cur.fetchall()}


def network_names(conn, scenario_id: int, codes: list[str]) -> dict[str, str]:
    """Network code → its name in the plan now (networks removed since are absent)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT code, name FROM networks WHERE scenario_id = %(s)s AND code = ANY (%(c)s)",
            {"s": scenario_id, "c": codes},
        )
        return {r["code"]: r["name"] for r in cur.fetchall()}
