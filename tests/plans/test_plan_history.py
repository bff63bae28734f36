"""Issue 20: the editor speaks in names beside codes, with plurals right; the plan's history page tells each write
in a sentence; the editor page is read-only once a plan is submitted; the plans page preselects the scenario the
planner came from. Names are read from the tables independently of the code under test."""

from __future__ import annotations

import html
import re

from tests.plans.conftest import Api, read_cursor

SOURCE = "demo-commissioner-proposal"


def two_networks_and_members(url: str, slug: str) -> tuple[str, str, list[str], str]:
    """(network A, its name, two of its members, network B) of the plan, from the tables."""
    with read_cursor(url) as cur:
        cur.execute(
            """SELECT sm.network_code, array_agg(ps.ods_code ORDER BY ps.ods_code) FROM scenario_members sm
                 JOIN scenarios s ON s.id = sm.scenario_id
                 JOIN scenario_practice_state ps ON ps.scenario_id = s.id AND ps.practice_id = sm.practice_id
                WHERE s.slug = %s GROUP BY sm.network_code HAVING count(*) >= 3 ORDER BY 1 LIMIT 2""",
            (slug,),
        )
        (a, members), (b, _) = cur.fetchall()
        cur.execute(
            "SELECT n.name FROM networks n JOIN scenarios s ON s.id = n.scenario_id WHERE s.slug = %s AND n.code = %s",
            (slug, a),
        )
        name_a = cur.fetchone()[0]
    return a, name_a, members[:2], b


def name_of(url: str, slug: str, table: str, code: str) -> str:
    sql = {
        "practice": "SELECT ps.name FROM scenario_practice_state ps JOIN scenarios s ON s.id = ps.scenario_id"
        " WHERE s.slug = %s AND ps.ods_code = %s",
        "network": "SELECT n.name FROM networks n JOIN scenarios s ON s.id = n.scenario_id"
        " WHERE s.slug = %s AND n.code = %s",
    }[table]
    with read_cursor(url) as cur:
        cur.execute(sql, (slug, code))
        out = cur.fetchone()[0]
    return out


def text_of(resp) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", resp.get_data(as_text=True))))


def test_names_plurals_history_sentences_and_read_only_after_submit(client, tokens, plans_db_url):
    url = plans_db_url[0]
    api = Api(client, tokens["ed"])
    r = api.send("POST", "/api/v1/plans", {"name": "History walk", "copy_from": SOURCE})
    assert r.status_code == 201, r.get_json()
    slug = r.get_json()["slug"]
    a, name_a, (one, two), b = two_networks_and_members(url, slug)
    name_b = name_of(url, slug, "network", b)
    p1, p2 = name_of(url, slug, "practice", one), name_of(url, slug, "practice", two)

    r = api.send("POST", f"/api/v1/plans/{slug}/edits/assign", {"network": b, "practices": [one]})
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    assert out["edit"]["summary"] == f"Assign 1 practice ({p1}, {one}) to {name_b} ({b})"
    assert {n["code"]: n["name"] for n in out["delta"]["networks"]}[a] == name_a
    r = api.send("POST", f"/api/v1/plans/{slug}/edits/assign", {"network": b, "practices": [two]})
    r = api.send("POST", f"/api/v1/plans/{slug}/undo")
    assert r.get_json()["edit"]["summary"].startswith("Undo: Assign 1 practice")
    r = api.send("POST", f"/api/v1/plans/{slug}/edits/unassign", {"practices": [one, two]})
    assert r.get_json()["edit"]["summary"].startswith("Unassign 2 practices (")
    r = api.send("POST", f"/api/v1/plans/{slug}/edits/rename", {"network": a, "name": "Renamed <b>net</b>"})
    assert r.get_json()["edit"]["summary"] == f"Rename {name_a} ({a}) to Renamed <b>net</b>"
    for r in (api.send("PATCH", f"/api/v1/plans/{slug}", {"description": "Why"}),
              api.send("POST", f"/api/v1/plans/{slug}/status", {"status": "submitted"})):  # fmt: skip
        assert r.status_code == 200, r.get_json()

    page = api.get(f"/plans/{slug}/history")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "<b>net</b>" not in body and "&lt;b&gt;net&lt;/b&gt;" in body  # escaped
    text = text_of(page)
    assert f"moved {p1} ({one}) from Renamed <b>net</b> ({a}) to {name_b} ({b})" in text or (
        f"moved {p1} ({one}) from {name_a} ({a}) to {name_b} ({b})" in text
    ), text
    assert f"undid an edit: moved {p2} ({two}) from" in text, text
    assert f"took {p1} ({one}) out of {name_b} ({b})" in text, text
    assert f"renamed {a} from {name_a} to Renamed <b>net</b>" in text, text
    assert "changed its description" in text and "submitted the plan for approval" in text
    assert f"created the plan as a copy of {SOURCE}" in text
    assert re.search(r"\d\d:\d\d Ed submitted the plan for approval", text), text
    assert '"targets"' not in body and "practice(s)" not in body

    # the editor page once submitted: read-only, a banner saying who can do what next, withdraw offered
    editor = api.get(f"/plans/{slug}/edit")
    body = editor.get_data(as_text=True)
    assert 'data-editable="no"' in body and "Submitted for approval" in body
    for control in ('id="plan-move-form"', 'id="plan-undo"', 'id="plan-upload"', 'id="plan-submit"'):
        assert control not in body, control
    assert 'id="plan-withdraw"' in body and '"editable": false' in body

    # whoever may not see the plan gets 404 for its history; a bad page number 400 naming it (an HTML page)
    assert Api(client, tokens["ed2"]).get(f"/plans/{slug}/history").status_code == 404
    r = api.get(f"/plans/{slug}/history?page=0")
    assert r.status_code == 400 and "'page'" in text_of(r)


def test_plans_page_preselects_the_scenario_and_area_you_came_from(client, tokens):
    api = Api(client, tokens["ed"])
    body = api.get(f"/plans?copy_from={SOURCE}&area=za1").get_data(as_text=True)
    assert re.search(rf'<option value="{SOURCE}"\s+selected>', body), body
    assert 'id="plan-area" name="area" maxlength="12" value="ZA1"' in body
    r = api.get("/plans?copy_from=../etc")
    assert r.status_code == 400 and "copy_from" in text_of(r)
