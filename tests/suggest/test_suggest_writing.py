"""How a suggestion is written: the copy is made without polygons and the kept ones are given back in one
statement (issue 22's timing), so the plan must end exactly as the plain copy with the logged edit applied
operation by operation, and undoing it must give back the plain copy, derived analysis included."""

from __future__ import annotations

import pytest

from geo_service.db.pool import Database
from geo_service.db.repositories import plan_edits
from geo_service.plans import service as plans
from geo_service.plans.operations import apply_ops
from geo_service.suggest import service

SOURCE = "demo-commissioner-proposal"


def snapshot(conn, slug: str) -> dict:
    """Everything the plan's rows and their derived analysis say, by network code (ids differ between plans)."""
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM scenarios WHERE slug = %(s)s", {"s": slug})
        sid = cur.fetchone()[0]
        queries = {
            "networks": """SELECT code, name, lead_commissioner_code, encode(ST_AsEWKB(geom), 'hex'),
                                  geom_made_valid, geom_origin
                             FROM networks WHERE scenario_id = %(s)s ORDER BY code""",
            # (member_name and member_commissioner_code are left out: set_practice_networks fills them from the
            # plan's kept practice state, which depends on the order memberships were written in, not on how
            # polygons are.)
            "memberships": """SELECT n.code, m.practice_id, m.start_date, m.end_date
                                FROM memberships m JOIN networks n ON n.id = m.network_id
                               WHERE m.scenario_id = %(s)s ORDER BY 1, 2, 3""",
            "members": """SELECT network_code, network_name, lead, ods_code FROM scenario_members
                           WHERE scenario_id = %(s)s ORDER BY 1, 4""",
            "geometry": """SELECT n.code, round(g.area_m2::numeric) FROM network_geometry g
                             JOIN networks n ON n.id = g.network_id WHERE g.scenario_id = %(s)s ORDER BY 1""",
            "shares": """SELECT n.code, s.area_id, round(s.area_m2::numeric), round(s.share::numeric, 6)
                           FROM network_area_shares s JOIN networks n ON n.id = s.network_id
                          WHERE n.scenario_id = %(s)s ORDER BY 1, 2""",
            "overlaps": """SELECT least(a.code, b.code), greatest(a.code, b.code), round(o.overlap_m2::numeric)
                             FROM network_overlaps o JOIN networks a ON a.id = o.network_a
                             JOIN networks b ON b.id = o.network_b WHERE o.scenario_id = %(s)s ORDER BY 1, 2""",
            "gaps": """SELECT area_id, round(sum(gap_m2)::numeric) FROM area_gaps WHERE scenario_id = %(s)s
                        GROUP BY 1 ORDER BY 1""",
        }
        out = {}
        for key, query in queries.items():
            cur.execute(query, {"s": sid})
            out[key] = cur.fetchall()
        cur.execute("SELECT code FROM networks WHERE scenario_id = %(s)s AND locked_at IS NOT NULL", {"s": sid})
        out["locked"] = sorted(r[0] for r in cur.fetchall())
        return out


def plain_copy(conn, slug: str, area: str | None) -> dict:
    """The copy as every other plan is made (polygons copied with the networks)."""
    plans.create_plan(conn, {"name": slug, "slug": slug, "copy_from": SOURCE, "area": area}, None)
    return plans.get_plan(conn, slug)


@pytest.mark.parametrize(("area", "boundary_set", "locks"), [("ZA2", None, ["UZ0005"]), (None, "demo-ccg", [])])
def test_the_written_plan_is_the_copy_with_its_logged_edit_applied(fresh_demo_db_url, area, boundary_set, locks):
    db = Database(fresh_demo_db_url, statement_timeout_ms=0)
    try:
        with db.connection() as conn:
            req = service.parse_request(SOURCE, {"area": area, "boundary_set": boundary_set, "seed": 3, "locks": locks})
            out = service.suggest(conn, req, None)
            slug = out["plan"]["slug"]
            plan = plans.get_plan(conn, slug)
            edit = plan_edits.last_edit(conn, plan["id"], "default", "done")
            assert edit["kind"] == "suggest"
            ops = {op["op"] for op in edit["forward"]}
            cleared = [op for op in edit["inverse"] if op["op"] == "geometry"]
            # The case the writing shortcuts: some polygons cleared, others kept, practices moved.
            assert cleared and "set_members" in ops and out["moves"]
            written = snapshot(conn, slug)
            assert any(n[3] is not None for n in written["networks"]), "no polygon was kept"
            assert all(n[3] is None for n in written["networks"] if n[0] in {op["code"] for op in cleared})
            assert written["locked"] == sorted(locks)

            reference = plain_copy(conn, "reference", area)
            apply_ops(conn, reference, edit["forward"])
            expected = snapshot(conn, "reference")
            assert {k: v for k, v in written.items() if k != "locked"} == {
                k: v for k, v in expected.items() if k != "locked"
            }

            apply_ops(conn, plan, edit["inverse"])
            plain_copy(conn, "plain", area)
            undone, plain = snapshot(conn, slug), snapshot(conn, "plain")
            assert {k: v for k, v in undone.items() if k != "locked"} == {
                k: v for k, v in plain.items() if k != "locked"
            }
            conn.rollback()
    finally:
        db.close()
