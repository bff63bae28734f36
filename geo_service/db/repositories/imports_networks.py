"""SQL for network imports: scenarios, ePCN networks and memberships, and proposed network polygons."""

from __future__ import annotations

from geo_service.db.repositories.imports_staging import make_plan


def scenario_id(conn, slug: str) -> int | None:
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM scenarios WHERE slug = %(slug)s", {"slug": slug})
        row = cur.fetchone()
        return row[0] if row else None


def ensure_scenario(
    conn, slug: str, name: str, description: str, source_id: int, as_of, dataset: str = "real"
) -> tuple[int, bool]:
    """The scenario's id, creating it (dated ``as_of``, in ``dataset``) when missing. Returns (id, created)."""
    existing = scenario_id(conn, slug)
    if existing is not None:
        return existing, False
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO scenarios (slug, name, description, source_id, as_of, dataset)
               VALUES (%(slug)s, %(name)s, %(d)s, %(src)s, %(as_of)s, %(ds)s) RETURNING id""",
            {"slug": slug, "name": name, "d": description, "src": source_id, "as_of": as_of, "ds": dataset},
        )
        return cur.fetchone()[0], True


def upsert_networks(conn, scenario: int, source_id: int) -> dict[str, int]:
    """Upsert ``stage_networks`` on (scenario, code). Networks missing from the file are kept ('not in file')."""
    counts = make_plan(
        conn,
        "plan_networks",
        """
        SELECT s.*, n.id AS network_id,
               CASE WHEN n.id IS NULL THEN 'added'
                    WHEN (n.name, n.lead_commissioner_code) IS DISTINCT FROM (s.name, s.lead) THEN 'updated'
                    WHEN n.source_id IS DISTINCT FROM %(src)s THEN 'resourced'
                    ELSE 'unchanged' END AS action
          FROM stage_networks s LEFT JOIN networks n ON n.scenario_id = %(sc)s AND n.code = s.code
        """,
        {"sc": scenario, "src": source_id},
    )
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE networks n SET name = x.name, lead_commissioner_code = x.lead, source_id = %(src)s
                 FROM plan_networks x WHERE x.network_id = n.id AND x.action IN ('updated', 'resourced')""",
            {"src": source_id},
        )
        cur.execute(
            """INSERT INTO networks (scenario_id, code, name, lead_commissioner_code, source_id)
               SELECT %(sc)s, code, name, lead, %(src)s FROM plan_networks WHERE action = 'added'""",
            {"sc": scenario, "src": source_id},
        )
        cur.execute(
            """SELECT count(*) FROM networks n WHERE n.scenario_id = %(sc)s
                  AND NOT EXISTS (SELECT 1 FROM stage_networks s WHERE s.code = n.code)""",
            {"sc": scenario},
        )
        counts["not in file"] = cur.fetchone()[0]
    counts["unchanged"] = counts.get("unchanged", 0) + counts.pop("resourced", 0)
    return counts


def add_missing_partners(conn) -> int:
    """Identities for core partners not seen in any register so far (e.g. community services), so every
    membership in the file is kept; the membership carries the name and commissioner the file gives them.
    Returns how many were added."""
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO practices (ods_code)
               SELECT DISTINCT s.practice FROM stage_members s
                WHERE NOT EXISTS (SELECT 1 FROM practices p WHERE p.ods_code = s.practice)"""
        )
        return cur.rowcount


def replace_memberships(conn, scenario: int, source_id: int) -> dict[str, int]:
    """Make the scenario's memberships equal to ``stage_members``.

    Keyed by (network, practice, start date). Counts added/updated/unchanged, 'closed' (an end date
    newly set) and 'removed' (memberships no longer in the file, deleted).
    """
    counts = make_plan(
        conn,
        "plan_members",
        """
        SELECT s.start_date, s.end_date, s.partner_name, s.partner_comm, n.id AS network_id, p.id AS practice_id,
               m.id AS membership_id,
               (m.id IS NOT NULL AND m.end_date IS NULL AND s.end_date IS NOT NULL) AS closing,
               CASE WHEN m.id IS NULL THEN 'added'
                    WHEN (m.end_date, m.member_name, m.member_commissioner_code)
                         IS DISTINCT FROM (s.end_date, s.partner_name, s.partner_comm) THEN 'updated'
                    WHEN m.source_id IS DISTINCT FROM %(src)s THEN 'resourced'
                    ELSE 'unchanged' END AS action
          FROM stage_members s
          JOIN networks n ON n.scenario_id = %(sc)s AND n.code = s.network
          JOIN practices p ON p.ods_code = s.practice
          LEFT JOIN memberships m ON m.network_id = n.id AND m.practice_id = p.id
               AND coalesce(m.start_date, '-infinity'::date) = coalesce(s.start_date, '-infinity'::date)
        """,
        {"sc": scenario, "src": source_id},
    )
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM plan_members WHERE closing")
        counts["closed"] = cur.fetchone()[0]
        cur.execute(
            """DELETE FROM memberships m WHERE m.scenario_id = %(sc)s
                  AND NOT EXISTS (SELECT 1 FROM plan_members x WHERE x.membership_id = m.id)""",
            {"sc": scenario},
        )
        counts["removed"] = cur.rowcount
        cur.execute(
            """UPDATE memberships m SET end_date = x.end_date, source_id = %(src)s, member_name = x.partner_name,
                      member_commissioner_code = x.partner_comm
                 FROM plan_members x WHERE x.membership_id = m.id AND x.action IN ('updated', 'resourced')""",
            {"src": source_id},
        )
        cur.execute(
            """INSERT INTO memberships (scenario_id, network_id, practice_id, start_date, end_date, source_id,
                                        member_name, member_commissioner_code)
               SELECT %(sc)s, network_id, practice_id, start_date, end_date, %(src)s, partner_name, partner_comm
                 FROM plan_members WHERE action = 'added'""",
            {"sc": scenario, "src": source_id},
        )
    counts["unchanged"] = counts.get("unchanged", 0) + counts.pop("resourced", 0)
    return counts


def attach_network_geoms(conn, scenario: int) -> dict[str, int]:
    """Set network polygons from ``stage_network_geoms`` by code. 'unmatched' = code not in the scenario.

    The plan holds keys only; geometry goes straight from the staged WKB into ``networks``.
    """
    counts = make_plan(
        conn,
        "plan_network_geoms",
        """
        SELECT s.n, n.id AS network_id,
               CASE WHEN n.id IS NULL THEN 'unmatched'
                    WHEN n.geom IS NULL THEN 'added'
                    WHEN n.geom_made_valid IS DISTINCT FROM s.made_valid
                      OR ST_AsBinary(n.geom)
                         IS DISTINCT FROM ST_AsBinary(ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(s.wkb, 'hex')), 4326)))
                    THEN 'updated' ELSE 'unchanged' END AS action
          FROM stage_network_geoms s
          LEFT JOIN networks n ON n.scenario_id = %(sc)s AND n.code = s.code
        """,
        {"sc": scenario},
    )
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE networks n SET geom = ST_Multi(ST_SetSRID(ST_GeomFromWKB(decode(s.wkb, 'hex')), 4326)),
                      geom_made_valid = s.made_valid, geom_origin = 'imported'
                 FROM plan_network_geoms x JOIN stage_network_geoms s ON s.n = x.n
                WHERE x.network_id = n.id AND x.action IN ('added', 'updated')"""
        )
    return counts
