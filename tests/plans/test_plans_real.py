"""Plans on real data: a copy of the 2019 ePCN scenario edited in West Kent (CCG 99J), deltas checked against
an independent SQL sum of list sizes. Writes go to a clone of the England 2019/20 fixture database."""

from __future__ import annotations

import os

import pytest

from geo_service.access import service as access
from geo_service.db.admin import drop_database
from geo_service.db.pool import Database
from tests.conftest import clone_database, make_app
from tests.plans.conftest import Api, read_cursor
from tests.plans.kept_state import assert_delta_matches, fresh_findings, kept_members_and_full_refresh
from tests.plans.test_plans_api import oracle_population

SOURCE = "epcn-december-2019"
AREA = "99J"  # NHS West Kent CCG


@pytest.fixture(scope="module")
def real_plans(maintenance_url, england_2019_db_url):
    url = clone_database(maintenance_url, england_2019_db_url.rsplit("/", 1)[1], f"plreal{os.getpid()}")
    db = Database(url, statement_timeout_ms=0)
    with db.connection() as conn:
        access.add_user(conn, "planner", "Planner", "correct horse battery")
        access.grant(conn, "planner", "editor")
        token = access.create_token(conn, "planner", "tests")[1]
    db.close()
    app = make_app(url, GEO_COOKIE_SECURE=False)
    yield app, url, token
    app.extensions["geo_db"].close()
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


def west_kent_networks(url: str, slug: str) -> list[tuple[str, str, int]]:
    """(network code, a member's ODS code, member count) for the networks led by West Kent, independently."""
    with read_cursor(url) as cur:
        cur.execute(
            """SELECT n.code, min(p.ods_code), count(*) FROM scenarios s
                 JOIN networks n ON n.scenario_id = s.id AND n.lead_commissioner_code = %s
                 JOIN memberships m ON m.network_id = n.id
                      AND (m.start_date IS NULL OR m.start_date <= s.as_of)
                      AND (m.end_date IS NULL OR m.end_date >= s.as_of)
                 JOIN practices p ON p.id = m.practice_id
                WHERE s.slug = %s GROUP BY n.code ORDER BY n.code""",
            (AREA, slug),
        )
        return cur.fetchall()


def test_copy_west_kent_and_move_a_practice(real_plans):
    app, url, token = real_plans
    api = Api(app.test_client(), token, session="real")
    r = api.send("POST", "/api/v1/plans", {"name": "GP-led proposal (West Kent)", "copy_from": SOURCE, "area": AREA})
    assert r.status_code == 201, r.get_json()
    slug = r.get_json()["slug"]
    assert r.get_json()["copied_area"] == "NHS West Kent CCG"
    assert west_kent_networks(url, slug) == west_kent_networks(url, SOURCE)
    (a, member, count_a), (b, _, _) = west_kent_networks(url, slug)[:2]
    pop_a, pop_b = oracle_population(url, slug, a), oracle_population(url, slug, b)

    state = api.get(f"/api/v1/plans/{slug}/editor?area={AREA}").get_json()
    shown = {n["code"]: n for n in state["networks"]}
    assert shown[a]["population"] == pop_a and shown[b]["population"] == pop_b

    r = api.send("POST", f"/api/v1/plans/{slug}/edits/assign", {"network": b, "practices": [member]})
    assert r.status_code == 200, r.get_json()
    delta = {n["code"]: n for n in r.get_json()["delta"]["networks"]}
    assert delta[a]["population"] == {"before": pop_a, "after": oracle_population(url, slug, a)}
    assert delta[b]["population"] == {"before": pop_b, "after": oracle_population(url, slug, b)}
    assert delta[a]["members"] == {"before": count_a, "after": count_a - 1}
    assert AREA in r.get_json()["delta"]["areas"]
    # the flags after the edit are those a fresh editor state (checks of the whole area, cached) shows
    fresh = {n["code"]: n for n in api.get(f"/api/v1/plans/{slug}/editor?area={AREA}").get_json()["networks"]}
    for code in (a, b):
        assert [f["key"] for f in delta[code]["flags"]["after"]] == [f["key"] for f in fresh[code]["flags"]]
        assert fresh[code]["population"] == delta[code]["population"]["after"]
    assert app.test_client().get(f"/api/v1/scenarios/{slug}/checks?area={AREA}").status_code == 404  # draft: hidden
    # the source scenario is untouched
    assert oracle_population(url, SOURCE, a) == pop_a
    r = api.send("POST", f"/api/v1/plans/{slug}/undo")
    assert r.status_code == 200
    assert oracle_population(url, slug, a) == pop_a


def test_moves_on_england_equal_a_fresh_run_and_a_full_rebuild(real_plans):
    """England 2019/20, a whole copy: every move's delta equals the rules run afresh on its areas (the second
    move's "before" is what the first left), and the kept members equal a full rebuild of the plan's state."""
    app, url, token = real_plans
    api = Api(app.test_client(), token, session="oracle")
    r = api.send("POST", "/api/v1/plans", {"name": "England oracle", "copy_from": SOURCE})
    assert r.status_code == 201, r.get_json()
    slug = r.get_json()["slug"]
    (a, member, _), (b, _, _) = west_kent_networks(url, slug)[:2]
    before = fresh_findings(url, slug, [AREA])
    for target in (b, a, b):
        r = api.send("POST", f"/api/v1/plans/{slug}/edits/assign", {"network": target, "practices": [member]})
        assert r.status_code == 200, r.get_json()
        delta = r.get_json()["delta"]
        assert delta["areas"] == [AREA]
        after = fresh_findings(url, slug, [AREA])
        assert_delta_matches(delta, before, after)
        before = after  # nothing is written between one move and the next: the next move starts from this state
    kept, full = kept_members_and_full_refresh(url, slug)
    assert kept == full and len(kept) > 6000
