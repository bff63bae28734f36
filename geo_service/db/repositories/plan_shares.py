"""SQL of plan sharing (issue 12): who a draft / private plan is shared with (table ``scenario_shares``)."""

from __future__ import annotations

from geo_service.db.pool import dict_cursor


def shares(conn, scenario_id: int) -> list[dict]:
    """The users a plan is shared with, by username."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT u.id AS user_id, u.username, u.display_name, sh.shared_at
                 FROM scenario_shares sh JOIN users u ON u.id = sh.user_id
                WHERE sh.scenario_id = %(s)s
                ORDER BY lower(u.username)""",
            {"s": scenario_id},
        )
        return cur.fetchall()


def add_share(conn, scenario_id: int, user_id: int) -> bool:
    """Share the plan with the user; False when it already was."""
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO scenario_shares (scenario_id, user_id) VALUES (%(s)s, %(u)s) ON CONFLICT DO NOTHING",
            {"s": scenario_id, "u": user_id},
        )
        return cur.rowcount == 1


def remove_share(conn, scenario_id: int, user_id: int) -> bool:
    """Stop sharing the plan with the user; False when it was not shared with them."""
    with conn.cursor() as cur:
        cur.execute(
            "DELETE FROM scenario_shares WHERE scenario_id = %(s)s AND user_id = %(u)s",
            {"s": scenario_id, "u": user_id},
        )
        return cur.rowcount == 1
