"""SQL of a plan's edit log (``plan_edits``): each edit's forward and inverse operations per editing session, and
its state (done, undone, discarded) for undo and redo."""

from __future__ import annotations

from psycopg2.extras import Json

from geo_service.db.pool import dict_cursor


def insert_edit(
    conn, scenario_id: int, session_id: str, actor_id: int | None, kind: str, summary: str, forward: list, inverse: list
) -> int:
    with conn.cursor() as cur:
        # A new edit ends the session's redo stack.
        cur.execute(
            "UPDATE plan_edits SET state = 'discarded' WHERE scenario_id = %(s)s AND session_id = %(ss)s"
            " AND state = 'undone'",
            {"s": scenario_id, "ss": session_id},
        )
        cur.execute(
            """INSERT INTO plan_edits (scenario_id, session_id, actor_id, kind, summary, forward, inverse)
               VALUES (%(s)s, %(ss)s, %(a)s, %(k)s, %(sum)s, %(f)s, %(i)s) RETURNING id""",
            {
                "s": scenario_id,
                "ss": session_id,
                "a": actor_id,
                "k": kind,
                "sum": summary,
                "f": Json(forward),
                "i": Json(inverse),
            },
        )
        return cur.fetchone()[0]


def last_edit(conn, scenario_id: int, session_id: str, state: str) -> dict | None:
    """The session's latest ``done`` edit (to undo), or its most recently undone one (to redo: undone edits
    form a stack, the lowest id was undone last)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT id, kind, summary, forward, inverse FROM plan_edits
                WHERE scenario_id = %(s)s AND session_id = %(ss)s AND state = %(st)s
                ORDER BY CASE WHEN %(st)s = 'done' THEN -id ELSE id END LIMIT 1""",
            {"s": scenario_id, "ss": session_id, "st": state},
        )
        return cur.fetchone()


def set_edit_state(conn, edit_id: int, state: str) -> None:
    with conn.cursor() as cur:
        cur.execute("UPDATE plan_edits SET state = %(st)s WHERE id = %(id)s", {"st": state, "id": edit_id})


def edit_counts(conn, scenario_id: int, session_id: str) -> dict[str, int]:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT count(*) FILTER (WHERE state = 'done'), count(*) FILTER (WHERE state = 'undone')
                 FROM plan_edits WHERE scenario_id = %(s)s AND session_id = %(ss)s""",
            {"s": scenario_id, "ss": session_id},
        )
        done, undone = cur.fetchone()
        return {"undo": done, "redo": undone}
