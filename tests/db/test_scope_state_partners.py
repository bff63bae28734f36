"""Kept scenario state after membership changes that change WHICH practices a scenario holds (0049): a partner
(a practice with no register entry) joining a network gets its kept state row, and loses it with its last
membership; every kept table equals a full rebuild after each step (the oracle: refresh_scenario_state, rolled
back)."""

from __future__ import annotations

import psycopg2
import pytest

from geo_service.demo.generator import REGISTERED

STATE = "SELECT practice_id, ods_code, name, in_register, active_gp FROM scenario_practice_state WHERE scenario_id = %s"
MEMBERS = "SELECT membership_id, network_code, ods_code, practice_name FROM scenario_members WHERE scenario_id = %s"


@pytest.fixture
def demo_url(fresh_demo_db_url):
    return fresh_demo_db_url


def _kept_and_rebuilt(cur, sid: int) -> tuple[tuple, tuple]:
    def read():
        out = []
        for query in (STATE, MEMBERS):
            cur.execute(query + " ORDER BY 1, 2", (sid,))
            out.append(cur.fetchall())
        return tuple(out)

    cur.execute("SAVEPOINT oracle")
    kept = read()
    cur.execute("SELECT refresh_scenario_state(ARRAY[%s])", (sid,))
    rebuilt = read()
    cur.execute("ROLLBACK TO SAVEPOINT oracle")
    return kept, rebuilt


def test_a_partner_joining_and_leaving_keeps_the_state_whole(demo_url):
    conn = psycopg2.connect(demo_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM scenarios WHERE slug = %s", (REGISTERED,))
            sid = cur.fetchone()[0]
            cur.execute("SELECT id FROM networks WHERE scenario_id = %s ORDER BY code LIMIT 1", (sid,))
            net = cur.fetchone()[0]
            cur.execute("INSERT INTO practices (ods_code) VALUES ('RXX99') RETURNING id")
            partner = cur.fetchone()[0]
            cur.execute(
                "INSERT INTO memberships (scenario_id, network_id, practice_id, start_date, member_name)"
                " VALUES (%s, %s, %s, '2019-07-01', 'COMMUNITY TRUST (partner)') RETURNING id",
                (sid, net, partner),
            )
            membership = cur.fetchone()[0]
            kept, rebuilt = _kept_and_rebuilt(cur, sid)
            assert kept == rebuilt
            assert partner in {r[0] for r in kept[0]}  # the partner has a kept state row ...
            assert membership in {r[0] for r in kept[1]}  # ... and is a current member
            cur.execute("DELETE FROM memberships WHERE id = %s", (membership,))
            kept, rebuilt = _kept_and_rebuilt(cur, sid)
            assert kept == rebuilt and partner not in {r[0] for r in kept[0]}  # gone with its last membership
    finally:
        conn.rollback()
        conn.close()
