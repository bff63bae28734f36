"""SQL of who may decide on a plan (issue 21): the commissioners a plan covers."""

from __future__ import annotations


def commissioners(conn, scenario_id: int) -> list[str]:
    """Lead commissioner codes of the plan's networks and commissioner codes of its member practices
    (as the plan's own dated practice state gives them)."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT n.lead_commissioner_code FROM networks n
                WHERE n.scenario_id = %(s)s AND n.lead_commissioner_code IS NOT NULL
               UNION
               SELECT sps.commissioner_code FROM memberships m
                 JOIN scenario_practice_state sps
                   ON sps.scenario_id = m.scenario_id AND sps.practice_id = m.practice_id
                WHERE m.scenario_id = %(s)s AND sps.commissioner_code IS NOT NULL
                ORDER BY 1""",
            {"s": scenario_id},
        )
        return [r[0] for r in cur.fetchall()]
