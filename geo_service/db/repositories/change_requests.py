"""Change requests and the membership writes an approval makes (issue 12)."""

from __future__ import annotations

from datetime import date

from geo_service.db.pool import dict_cursor

_SELECT = """SELECT cr.*, s.slug AS scenario_slug, p.ods_code,
                    sps.name AS practice_name, sps.commissioner_code AS practice_commissioner,
                    fn.code AS from_network_code, fn.name AS from_network_name,
                    tn.code AS to_network_code, tn.name AS to_network_name,
                    pu.username AS proposed_by_name, du.username AS decided_by_name
               FROM change_requests cr
               JOIN scenarios s ON s.id = cr.scenario_id
               JOIN practices p ON p.id = cr.practice_id
               LEFT JOIN scenario_practice_state sps
                      ON sps.scenario_id = cr.scenario_id AND sps.practice_id = cr.practice_id
               LEFT JOIN networks fn ON fn.id = cr.from_network_id
               LEFT JOIN networks tn ON tn.id = cr.to_network_id
               LEFT JOIN users pu ON pu.id = cr.proposed_by
               LEFT JOIN users du ON du.id = cr.decided_by"""


def scenario_row(conn, slug: str) -> dict | None:
    """Every column of the scenario (``status`` and ``owner_id`` once the plans migration added them)."""
    with dict_cursor(conn) as cur:
        cur.execute("SELECT to_jsonb(s) AS row FROM scenarios s WHERE lower(s.slug) = lower(%(s)s)", {"s": slug})
        found = cur.fetchone()
    return found["row"] if found else None


def practice(conn, scenario_id: int, ods_code: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT p.id, p.ods_code, sps.name, sps.commissioner_code
                 FROM practices p
                 LEFT JOIN scenario_practice_state sps ON sps.scenario_id = %(s)s AND sps.practice_id = p.id
                WHERE upper(p.ods_code) = upper(%(c)s)""",
            {"s": scenario_id, "c": ods_code},
        )
        return cur.fetchone()


def network(conn, scenario_id: int, code: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT id, code, name, lead_commissioner_code FROM networks
                WHERE scenario_id = %(s)s AND lower(code) = lower(%(c)s)""",
            {"s": scenario_id, "c": code},
        )
        return cur.fetchone()


def memberships_on(conn, scenario_id: int, practice_id: int, day: date) -> list[dict]:
    """The practice's memberships current on ``day``, and any starting later (which an approval cannot cut)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT m.id, m.network_id, n.code AS network_code, m.start_date, m.end_date,
                      (m.start_date IS NOT NULL AND m.start_date >= %(d)s) AS starts_later
                 FROM memberships m JOIN networks n ON n.id = m.network_id
                WHERE m.scenario_id = %(s)s AND m.practice_id = %(p)s
                  AND (m.end_date IS NULL OR m.end_date >= %(d)s)
                ORDER BY m.start_date NULLS FIRST, m.id""",
            {"s": scenario_id, "p": practice_id, "d": day},
        )
        return cur.fetchall()


def insert(conn, row: dict) -> int:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO change_requests (scenario_id, practice_id, kind, from_network_id, to_network_id,
                                            effective_date, reason, commissioner_codes, proposed_by)
               VALUES (%(scenario_id)s, %(practice_id)s, %(kind)s, %(from_network_id)s, %(to_network_id)s,
                       %(effective_date)s, %(reason)s, %(commissioner_codes)s, %(proposed_by)s)
               RETURNING id""",
            row,
        )
        return cur.fetchone()[0]


def get(conn, request_id: int, lock: bool = False) -> dict | None:
    with dict_cursor(conn) as cur:
        if lock:
            cur.execute("SELECT id FROM change_requests WHERE id = %(i)s FOR UPDATE", {"i": request_id})
        cur.execute(_SELECT + " WHERE cr.id = %(i)s", {"i": request_id})
        return cur.fetchone()


def listing(conn, scenario_id: int, status: str | None) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            _SELECT + " WHERE cr.scenario_id = %(s)s AND (%(st)s::text IS NULL OR cr.status = %(st)s)"
            " ORDER BY cr.effective_date, cr.id",
            {"s": scenario_id, "st": status},
        )
        return cur.fetchall()


def decide(conn, request_id: int, status: str, decided_by: int | None, comment: str) -> None:
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE change_requests SET status = %(st)s, decided_by = %(u)s, decided_at = now(),
                      decision_comment = %(c)s, version = version + 1
                WHERE id = %(i)s AND status = 'pending'""",
            {"st": status, "u": decided_by, "c": comment, "i": request_id},
        )


def end_membership(conn, membership_id: int, end_date: date) -> None:
    with conn.cursor() as cur:
        cur.execute("UPDATE memberships SET end_date = %(e)s WHERE id = %(i)s", {"e": end_date, "i": membership_id})


def start_membership(conn, scenario_id: int, network_id: int, practice_id: int, start: date, name, code) -> int:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO memberships (scenario_id, network_id, practice_id, start_date, member_name,
                                        member_commissioner_code)
               VALUES (%(s)s, %(n)s, %(p)s, %(d)s, %(name)s, %(code)s) RETURNING id""",
            {"s": scenario_id, "n": network_id, "p": practice_id, "d": start, "name": name, "code": code},
        )
        return cur.fetchone()[0]
