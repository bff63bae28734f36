"""Plans API on the synthetic demo data: create / copy, visibility, every edit with its delta, undo/redo,
locks, refusals (401 / 403 / 409 / 412 / 428 / 400), unassigned practices and suggestions, status moves."""

from __future__ import annotations

import pytest

from tests.plans.conftest import Api, read_cursor
from tests.plans.kept_state import (
    assert_delta_matches,
    fresh_findings,
    kept_members_and_full_refresh,
    merged,
)

SOURCE = "demo-commissioner-proposal"


def oracle_population(db_url: str, slug: str, network_code: str) -> int:
    """Independent sum: the list sizes (of the plan's pinned list-size extract) of the memberships current on
    the plan's date, read straight from the tables."""
    with read_cursor(db_url) as cur:
        cur.execute(
            """SELECT coalesce(sum(ls.list_size), 0)
                 FROM scenarios s
                 JOIN networks n ON n.scenario_id = s.id AND n.code = %s
                 JOIN memberships m ON m.network_id = n.id
                      AND (m.start_date IS NULL OR m.start_date <= s.as_of)
                      AND (m.end_date IS NULL OR m.end_date >= s.as_of)
                 JOIN practice_list_sizes ls
                      ON ls.practice_id = m.practice_id AND ls.extract_id = s.list_size_extract_id
                WHERE s.slug = %s""",
            (network_code, slug),
        )
        return int(cur.fetchone()[0])


def members(db_url: str, slug: str, network_code: str) -> set[str]:
    with read_cursor(db_url) as cur:
        cur.execute(
            """SELECT p.ods_code FROM scenarios s JOIN networks n ON n.scenario_id = s.id AND n.code = %s
                 JOIN memberships m ON m.network_id = n.id JOIN practices p ON p.id = m.practice_id
                WHERE s.slug = %s""",
            (network_code, slug),
        )
        return {r[0] for r in cur.fetchall()}


def audit_count(db_url: str, slug: str) -> int:
    with read_cursor(db_url) as cur:
        cur.execute(
            "SELECT count(*) FROM audit_log a JOIN scenarios s ON s.id = a.scenario_id WHERE s.slug = %s", (slug,)
        )
        return cur.fetchone()[0]


@pytest.fixture(scope="module")
def plan(plans_app, tokens):
    """A copy of the demo proposal owned by 'ed'."""
    api = Api(plans_app.test_client(), tokens["ed"])
    resp = api.send("POST", "/api/v1/plans", {"name": "GP-led proposal", "copy_from": SOURCE})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def net(delta: dict, code: str) -> dict:
    return next(n for n in delta["networks"] if n["code"] == code)


def test_copy_keeps_memberships_polygons_and_date(plan, plans_db_url):
    url = plans_db_url[0]
    assert plan["slug"] == "gp-led-proposal"
    assert plan["status"] == "draft" and plan["visibility"] == "private"
    assert plan["copied"]["networks"] == 11
    assert members(url, plan["slug"], "UZ0003") == members(url, SOURCE, "UZ0003")
    with read_cursor(url) as cur:
        cur.execute(
            """SELECT a.as_of = b.as_of, a.list_size_extract_id = b.list_size_extract_id,
                      (SELECT count(*) FROM networks WHERE scenario_id = a.id AND geom IS NOT NULL)
                    = (SELECT count(*) FROM networks WHERE scenario_id = b.id AND geom IS NOT NULL)
                 FROM scenarios a, scenarios b WHERE a.slug = %s AND b.slug = %s""",
            (plan["slug"], SOURCE),
        )
        assert cur.fetchone() == (True, True, True)
    assert audit_count(url, plan["slug"]) >= 1


def test_draft_plan_is_hidden_from_others(client, plan, tokens):
    slug = plan["slug"]
    assert client.get(f"/api/v1/scenarios/{slug}").status_code == 404
    assert client.get(f"/api/v1/plans/{slug}").status_code == 404
    other = Api(client, tokens["ed2"])
    assert other.get(f"/api/v1/scenarios/{slug}").status_code == 404
    assert slug not in {p["slug"] for p in other.get("/api/v1/plans").get_json()["plans"]}
    for who in ("ed", "admin"):
        assert Api(client, tokens[who]).get(f"/api/v1/scenarios/{slug}").status_code == 200
    assert slug in {p["slug"] for p in Api(client, tokens["ed"]).get("/api/v1/plans").get_json()["plans"]}
    # query parameters that name scenarios are checked too
    assert client.get(f"/api/v1/compare?a={SOURCE}&b={slug}").status_code == 404


def test_write_refusals(client, plan, tokens):
    slug = plan["slug"]
    url = f"/api/v1/plans/{slug}/edits/assign"
    body = {"network": "UZ0001", "practices": ["Z00009"]}
    assert Api(client, None).send("POST", url, body).status_code == 401
    assert Api(client, tokens["viewer"]).send("POST", url, body, if_match='"v1"').status_code == 403
    other = Api(client, tokens["ed2"])  # an editor, but not the owner nor shared: cannot even see it
    assert other.send("POST", url, body, if_match='"v1"').status_code == 404
    ed = Api(client, tokens["ed"])
    r = ed.send("POST", url, body, if_match="")
    assert r.status_code == 428
    r = ed.send("POST", url, body, if_match='"v999"')
    assert r.status_code == 412
    problem = r.get_json()
    assert problem["current"]["slug"] == slug and problem["etag"].startswith('"v')
    bad = ed.get(f"/api/v1/plans/{slug}")
    r = ed.send("POST", url, {"network": "UZ0001", "practices": ["NOPE1"]})
    assert r.status_code == 400 and "NOPE1" in r.get_json()["detail"]
    r = ed.send("POST", url, {"network": "NOPE", "practices": ["Z00009"]})
    assert r.status_code == 404 and "NOPE" in r.get_json()["detail"]
    r = ed.send("POST", f"/api/v1/plans/{slug}/edits/teleport", {})
    assert r.status_code == 400 and r.get_json()["parameter"] == "edit"
    # nothing changed: the ETag still matches
    assert ed.get(f"/api/v1/plans/{slug}").headers["ETag"] == bad.headers["ETag"]
    # a baseline scenario cannot be edited at all
    r = Api(client, tokens["admin"]).send("POST", f"/api/v1/plans/{SOURCE}/edits/assign", body, if_match="*")
    assert r.status_code == 409 and r.get_json()["reason"] == "baseline"


def test_move_practice_delta_undo_redo(client, plan, tokens, plans_db_url):
    url, slug = plans_db_url[0], plan["slug"]
    ed = Api(client, tokens["ed"], session="move")
    ed.get(f"/api/v1/plans/{slug}")
    pop_1, pop_3 = oracle_population(url, slug, "UZ0001"), oracle_population(url, slug, "UZ0003")
    r = ed.send("POST", f"/api/v1/plans/{slug}/edits/assign", {"network": "UZ0001", "practices": ["Z00009"]})
    assert r.status_code == 200, r.get_json()
    out = r.get_json()
    d1, d3 = net(out["delta"], "UZ0001"), net(out["delta"], "UZ0003")
    assert d1["population"] == {"before": pop_1, "after": oracle_population(url, slug, "UZ0001")}
    assert d3["population"] == {"before": pop_3, "after": oracle_population(url, slug, "UZ0003")}
    assert d1["population"]["after"] > pop_1 and d3["population"]["after"] < pop_3
    assert d3["members"] == {"before": 5, "after": 4}
    # UZ0003 (44,000) loses a practice and falls below 30,000: it gains the undersized flag
    if d3["population"]["after"] < 30_000:
        assert "undersized" in {f["key"] for f in d3["flags"]["gained"]}
    assert out["delta"]["band"] == {"min": 30_000, "max": 50_000}
    assert out["undo"] == {"undo": 1, "redo": 0}
    assert "Z00009" in members(url, slug, "UZ0001") and "Z00009" not in members(url, slug, "UZ0003")

    r = ed.send("POST", f"/api/v1/plans/{slug}/undo")
    assert r.status_code == 200, r.get_json()
    back = net(r.get_json()["delta"], "UZ0003")
    assert back["population"]["after"] == pop_3 == oracle_population(url, slug, "UZ0003")
    assert {f["key"] for f in back["flags"]["gained"]} == {f["key"] for f in d3["flags"]["lost"]}
    assert r.get_json()["undo"] == {"undo": 0, "redo": 1}
    assert "Z00009" in members(url, slug, "UZ0003")

    r = ed.send("POST", f"/api/v1/plans/{slug}/redo")
    assert r.status_code == 200
    assert net(r.get_json()["delta"], "UZ0001")["population"]["after"] == oracle_population(url, slug, "UZ0001")
    assert "Z00009" in members(url, slug, "UZ0001")
    assert ed.send("POST", f"/api/v1/plans/{slug}/redo").status_code == 409  # nothing left to redo
    # another session has its own log
    assert (
        Api(client, tokens["ed"], session="other").send("POST", f"/api/v1/plans/{slug}/undo", if_match="*").status_code
        == 409
    )
    # put it back for the other tests
    assert ed.send("POST", f"/api/v1/plans/{slug}/undo").status_code == 200


def test_locked_network_refuses_edits(client, plan, tokens, plans_db_url):
    slug = plan["slug"]
    ed = Api(client, tokens["ed"], session="lock")
    ed.get(f"/api/v1/plans/{slug}")
    r = ed.send("PUT", f"/api/v1/plans/{slug}/networks/UZ0004/lock", {"reason": "Agreed with the LMC"})
    assert r.status_code == 200, r.get_json()
    r = ed.send("POST", f"/api/v1/plans/{slug}/edits/assign", {"network": "UZ0004", "practices": ["Z00019"]})
    assert r.status_code == 409
    assert "UZ0004" in r.get_json()["detail"] and "Agreed with the LMC" in r.get_json()["detail"]
    # moving a member out of the locked network is refused too
    r = ed.send("POST", f"/api/v1/plans/{slug}/edits/assign", {"network": "UZ0005", "practices": ["Z00014"]})
    assert r.status_code == 409
    assert "Z00014" in members(plans_db_url[0], slug, "UZ0004")
    r = ed.send("DELETE", f"/api/v1/plans/{slug}/networks/UZ0004/lock")
    assert r.status_code == 200
    r = ed.send("POST", f"/api/v1/plans/{slug}/edits/assign", {"network": "UZ0005", "practices": ["Z00014"]})
    assert r.status_code == 200
    assert ed.send("POST", f"/api/v1/plans/{slug}/undo").status_code == 200


def test_create_rename_split_merge_dissolve(client, plan, tokens, plans_db_url):
    url, slug = plans_db_url[0], plan["slug"]
    ed = Api(client, tokens["ed"], session="shape")
    ed.get(f"/api/v1/plans/{slug}")
    base = f"/api/v1/plans/{slug}/edits"
    r = ed.send("POST", f"{base}/create", {"code": "NEW1", "name": "New <b>network</b>", "lead": "ZA3"})
    assert r.status_code == 200, r.get_json()
    assert net(r.get_json()["delta"], "NEW1")["exists"] == {"before": False, "after": True}
    assert ed.send("POST", f"{base}/create", {"code": "NEW1", "name": "Again"}).status_code == 409
    r = ed.send("POST", f"{base}/rename", {"network": "NEW1", "name": "Renamed"})
    assert r.status_code == 200 and net(r.get_json()["delta"], "NEW1")["name"] == "Renamed"
    r = ed.send(
        "POST",
        f"{base}/split",
        {"network": "UZ0008", "new_code": "UZ0008B", "new_name": "Split half", "practices": ["Z00034", "Z00035"]},
    )
    assert r.status_code == 200, r.get_json()
    assert members(url, slug, "UZ0008B") == {"Z00034", "Z00035"}
    assert net(r.get_json()["delta"], "UZ0008B")["population"]["after"] == oracle_population(url, slug, "UZ0008B")
    r = ed.send(
        "POST", f"{base}/split", {"network": "UZ0008", "new_code": "X9", "new_name": "x", "practices": ["Z00001"]}
    )
    assert r.status_code == 400 and "Z00001" in r.get_json()["detail"]
    pop_9 = oracle_population(url, slug, "UZ0009")
    moved = oracle_population(url, slug, "UZ0008B")
    r = ed.send("POST", f"{base}/merge", {"network": "UZ0008B", "into": "UZ0009"})
    assert r.status_code == 200
    d = net(r.get_json()["delta"], "UZ0009")
    assert d["population"] == {"before": pop_9, "after": pop_9 + moved}
    assert net(r.get_json()["delta"], "UZ0008B")["exists"]["after"] is False
    r = ed.send("POST", f"{base}/dissolve", {"network": "UZ0010"})
    assert r.status_code == 200
    assert members(url, slug, "UZ0010") == set()
    # the dissolved network's practices are now unassigned, each with a suggestion of its commissioner (ZA4)
    un = ed.get(f"/api/v1/plans/{slug}/unassigned").get_json()
    codes = {p["code"]: p for p in un["practices"]}
    assert {"Z00044", "Z00045"} <= set(codes)
    for p in codes.values():
        for s in p["suggestions"]:
            assert s["population_with"] <= 50_000
    # ZA4's other networks (45,000 and 44,800) would leave the band with a 7,450 practice: no suggestion, and why
    assert codes["Z00044"]["suggestions"] == [] and "band" in codes["Z00044"]["why_none"]
    r = ed.send("POST", f"{base}/unassign", {"practices": ["Z00025"]})
    assert r.status_code == 200
    un = ed.get(f"/api/v1/plans/{slug}/unassigned").get_json()
    z25 = next(p for p in un["practices"] if p["code"] == "Z00025")
    assert z25["suggestions"], z25
    assert {s["code"] for s in z25["suggestions"]} <= {"UZ0004", "UZ0005", "UZ0006"}  # networks of ZA2 only
    distances = [s["distance_m"] for s in z25["suggestions"]]
    assert distances == sorted(distances)
    # undo all six edits of this session: the plan is as copied again
    for _ in range(6):
        assert ed.send("POST", f"/api/v1/plans/{slug}/undo").status_code == 200
    assert members(url, slug, "UZ0010") == members(url, SOURCE, "UZ0010")
    assert members(url, slug, "UZ0008") == members(url, SOURCE, "UZ0008")
    assert members(url, slug, "NEW1") == set()
    with read_cursor(url) as cur:
        cur.execute(
            "SELECT count(*) FROM networks n JOIN scenarios s ON s.id = n.scenario_id WHERE s.slug = %s"
            " AND n.code IN ('NEW1', 'UZ0008B')",
            (slug,),
        )
        assert cur.fetchone()[0] == 0


def test_polygon_saved_repaired_or_refused(client, plan, tokens, plans_db_url):
    slug = plan["slug"]
    ed = Api(client, tokens["ed"], session="geom")
    ed.get(f"/api/v1/plans/{slug}")
    base = f"/api/v1/plans/{slug}/edits/geometry"
    square = {
        "type": "Polygon",
        "coordinates": [[[-1.5, 52.5], [-1.4, 52.5], [-1.4, 52.6], [-1.5, 52.6], [-1.5, 52.5]]],
    }
    r = ed.send("POST", base, {"network": "UZ0011", "geometry": square})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["edit"]["summary"].endswith("(valid)")
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[-1.5, 52.5], [-1.4, 52.6], [-1.4, 52.5], [-1.5, 52.6], [-1.5, 52.5]]],
    }
    r = ed.send("POST", base, {"network": "UZ0011", "geometry": bowtie})
    assert r.status_code == 200
    assert "made valid" in r.get_json()["edit"]["summary"]
    with read_cursor(plans_db_url[0]) as cur:
        cur.execute(
            """SELECT ST_IsValid(n.geom), GeometryType(n.geom), ST_SRID(n.geom), n.geom_origin, n.geom_made_valid
                         FROM networks n JOIN scenarios s ON s.id = n.scenario_id
                        WHERE s.slug = %s AND n.code = 'UZ0011'""",
            (slug,),
        )
        assert cur.fetchone() == (True, "MULTIPOLYGON", 4326, "drawn", True)
    r = ed.send("POST", base, {"network": "UZ0011", "geometry": {"type": "Point", "coordinates": [0, 51]}})
    assert r.status_code == 400 and r.get_json()["parameter"] == "geometry"
    r = ed.send("POST", base, {"network": "UZ0011", "geometry": {"type": "Polygon", "coordinates": [[[0, 1]]]}})
    assert r.status_code == 400 and r.get_json()["parameter"] == "geometry"
    line = {"type": "Polygon", "coordinates": [[[-1.5, 52.5], [-1.4, 52.5], [-1.5, 52.5], [-1.5, 52.5]]]}
    r = ed.send("POST", base, {"network": "UZ0011", "geometry": line})
    assert r.status_code == 400 and "no area" in r.get_json()["detail"]
    for _ in range(2):
        assert ed.send("POST", f"/api/v1/plans/{slug}/undo").status_code == 200


def test_undo_twice_with_the_etags_the_replies_give(client, plan, tokens):
    slug = plan["slug"]
    ed = Api(client, tokens["ed"], session="twice")
    ed.get(f"/api/v1/plans/{slug}")
    square = {
        "type": "Polygon",
        "coordinates": [[[-1.5, 52.5], [-1.4, 52.5], [-1.4, 52.6], [-1.5, 52.6], [-1.5, 52.5]]],
    }
    assert (
        ed.send(
            "POST", f"/api/v1/plans/{slug}/edits/assign", {"network": "UZ0001", "practices": ["Z00009"]}
        ).status_code
        == 200
    )
    assert (
        ed.send("POST", f"/api/v1/plans/{slug}/edits/geometry", {"network": "UZ0001", "geometry": square}).status_code
        == 200
    )
    first = ed.send("POST", f"/api/v1/plans/{slug}/undo")
    assert first.status_code == 200
    assert first.headers["ETag"] == client.get(f"/api/v1/plans/{slug}", headers=ed.headers()).headers["ETag"]
    second = ed.send("POST", f"/api/v1/plans/{slug}/undo")
    assert second.status_code == 200, second.get_json()


def test_rename_describe_archive_and_status(client, plan, tokens, plans_db_url):
    slug = plan["slug"]
    ed = Api(client, tokens["ed"], session="meta")
    ed.get(f"/api/v1/plans/{slug}")
    before = audit_count(plans_db_url[0], slug)
    r = ed.send("PATCH", f"/api/v1/plans/{slug}", {"description": "For the LMC meeting", "name": "GP-led proposal v2"})
    assert r.status_code == 200 and r.get_json()["name"] == "GP-led proposal v2"
    assert ed.send("PATCH", f"/api/v1/plans/{slug}", {"colour": "red"}).status_code == 400
    r = ed.send("PATCH", f"/api/v1/plans/{slug}", {"archived": True})
    assert r.get_json()["archived"] is True
    r = ed.send("POST", f"/api/v1/plans/{slug}/edits/rename", {"network": "UZ0001", "name": "x"})
    assert r.status_code == 409 and r.get_json()["reason"] == "archived"
    ed.send("PATCH", f"/api/v1/plans/{slug}", {"archived": False})
    r = ed.send("POST", f"/api/v1/plans/{slug}/status", {"status": "approved"})
    assert r.status_code == 409
    r = ed.send("POST", f"/api/v1/plans/{slug}/status", {"status": "submitted"})
    assert r.status_code == 200 and r.get_json()["status"] == "submitted"
    r = ed.send("POST", f"/api/v1/plans/{slug}/edits/rename", {"network": "UZ0001", "name": "x"})
    assert r.status_code == 409
    r = ed.send("POST", f"/api/v1/plans/{slug}/status", {"status": "approved"})
    assert r.status_code == 403  # the owner is an editor, not an approver
    appr = Api(client, tokens["admin"])
    appr.etag = ed.etag
    r = appr.send("POST", f"/api/v1/plans/{slug}/status", {"status": "approved"})
    assert r.status_code == 200 and r.get_json()["status"] == "approved"
    assert audit_count(plans_db_url[0], slug) == before + 5  # rename, archive, unarchive, submit, approve


def test_move_delta_equals_a_fresh_run_of_the_checks(client, tokens, plans_db_url):
    """From the second move on, the delta's "before" is what the previous edit left (not re-run); both ends of
    every move equal the rules run afresh on the same areas."""
    url = plans_db_url[0]
    r = Api(client, tokens["ed"]).send("POST", "/api/v1/plans", {"name": "Fresh-run oracle", "copy_from": SOURCE})
    assert r.status_code == 201, r.get_json()
    slug = r.get_json()["slug"]
    with read_cursor(url) as cur:
        cur.execute(
            "SELECT coalesce(a.ods_code, a.gss_code) FROM areas a JOIN scenarios s ON s.boundary_set_id ="
            " a.boundary_set_id WHERE s.slug = %s",
            (slug,),
        )
        areas = [r[0] for r in cur.fetchall()]
    assert len(areas) >= 2
    ed = Api(client, tokens["ed"], session="fresh")
    ed.get(f"/api/v1/plans/{slug}")
    for target in ("UZ0001", "UZ0003", "UZ0001", "UZ0003"):
        before = {a: fresh_findings(url, slug, [a]) for a in areas}
        r = ed.send("POST", f"/api/v1/plans/{slug}/edits/assign", {"network": target, "practices": ["Z00009"]})
        assert r.status_code == 200, r.get_json()
        delta = r.get_json()["delta"]
        assert delta["areas"] and set(delta["areas"]) <= set(areas)
        assert {n["code"] for n in delta["networks"]} == {"UZ0001", "UZ0003"}
        assert_delta_matches(delta, merged(before, delta["areas"]), fresh_findings(url, slug, delta["areas"]))
    kept, full = kept_members_and_full_refresh(url, slug)
    assert kept == full and kept


def test_kept_members_equal_a_full_rebuild_after_every_kind_of_edit(plan, plans_db_url):
    """Runs after the module's edits (create, rename, split, merge, dissolve, unassign, undo, redo): the kept
    members the incremental triggers left are exactly what a full refresh builds."""
    kept, full = kept_members_and_full_refresh(plans_db_url[0], plan["slug"])
    assert kept == full and len(kept) > 10
