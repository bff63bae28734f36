"""Checks API over the demo data: JSON, CSV, network detail, compare, and every bad-input path."""

from __future__ import annotations

import csv
import io
import json
import urllib.request

import pytest

from geo_service.demo.generator import BOUNDARY_SET, PROPOSAL, REGISTERED, generate
from tests.conftest import make_app

PLANTED = generate().planted
BS = BOUNDARY_SET["slug"]


def _problem(resp, status: int, parameter: str | None) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"].startswith("application/problem+json")
    body = resp.get_json()
    assert body["status"] == status
    if parameter is not None:
        assert body["parameter"] == parameter
    return body


def test_checks_json(demo_client):
    resp = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/checks?boundary_set={BS}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["scenario"]["slug"] == REGISTERED and body["boundary_set"]["slug"] == BS
    assert body["summary"]["orphaned_practices"] == len(PLANTED[REGISTERED]["orphaned_practices"])
    assert body["summary"]["cross_boundary_networks"] == {"administrative": 1, "member_location": 1}
    assert {r["code"] for r in body["items"]["orphaned_practices"]} == PLANTED[REGISTERED]["orphaned_practices"]
    assert {r["code"] for r in body["items"]["size_band"] if r["finding"] == "undersized"} == {"UZ0001"}
    assert body["parameters"]["min"] == 30_000 and isinstance(body["data_version"], int)


def test_boundary_set_defaults_to_the_only_one(demo_client):
    with_bs = demo_client.get(f"/api/v1/scenarios/{PROPOSAL}/checks?boundary_set={BS}").get_json()
    without = demo_client.get(f"/api/v1/scenarios/{PROPOSAL}/checks").get_json()
    assert without["boundary_set"]["slug"] == BS and without["items"] == with_bs["items"]


def test_summary_detail_and_parameters(demo_client):
    body = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/checks?detail=summary&min=20000&max=70000").get_json()
    assert "items" not in body
    assert body["summary"]["undersized_networks"] == 0 and body["summary"]["oversized_networks"] == 0
    assert body["parameters"]["sources"]["min"] == "request"


def test_area_filter_by_gss_code(demo_client):
    body = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/checks?area=E38999904").get_json()
    assert body["area"]["ods_code"] == "ZA4"
    assert {r["code"] for r in body["items"]["cross_boundary_networks"]} == {"UZ0010"}
    assert body["items"]["size_band"] == []


def test_checks_csv(demo_client):
    resp = demo_client.get(f"/api/v1/scenarios/{PROPOSAL}/checks.csv?boundary_set={BS}")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert f"checks-{PROPOSAL}-{BS}.csv" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert {(r["finding"], r["code"]) for r in rows if r["check"] == "size_band"} == {
        ("oversized", "UZ0001"),
        ("oversized", "UZ0005"),
    }
    overlap = next(r for r in rows if r["finding"] == "overlap")
    assert json.loads(overlap["evidence"])["other_code"] in {"UZ0011", "UZ0012"}
    gap = next(r for r in rows if r["finding"] == "area_gap")
    assert gap["code"] == "ZA2" and float(gap["value"]) > 1_000_000


def test_network_detail(demo_client):
    body = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/networks/UZ0010").get_json()
    net = body["network"]
    # The cross-boundary findings planted in the demo (a rule added later may add its own findings).
    assert net["code"] == "UZ0010" and [k for k in net["findings"] if k.startswith("cross_boundary")] == [
        "cross_boundary_administrative",
        "cross_boundary_member_location",
    ]
    assert net["member_count"] == len(body["members"]) == 6
    assert net["population"] == sum(m["list_size"] for m in body["members"])
    crossers = [m for m in body["members"] if "cross_boundary_member" in m["findings"]]
    assert len(crossers) == 1 and crossers[0]["commissioner_code"] == "ZA3"
    assert {r["kind"] for r in body["items"]["cross_boundary_networks"]} == {"administrative", "member_location"}
    other = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/networks/uz0006", follow_redirects=True).get_json()
    assert other["network"]["unknown_list_sizes"] == 1 and "unknown_list_sizes" in other["network"]["findings"]


def test_compare(demo_client):
    body = demo_client.get(f"/api/v1/scenarios/compare?a={REGISTERED}&b={PROPOSAL}").get_json()
    moved = {m["code"]: (m["from"], m["to"]) for m in body["practices_moved"]}
    for orphan in PLANTED[REGISTERED]["orphaned_practices"]:
        assert moved[orphan][0] is None and moved[orphan][1] is not None
    assert ("UZ0010", "UZ0007") in moved.values()
    assert [n["code"] for n in body["networks_removed"]] == ["UZ0002"] and body["networks_added"] == []
    assert [n["code"] for n in body["networks_renamed"]] == ["UZ0001"]
    uz1 = next(n for n in body["network_population"] if n["code"] == "UZ0001")
    assert uz1["population_b"] > 60_000 and uz1["change"] == uz1["population_b"] - uz1["population_a"]
    assert sum(a["change"] for a in body["area_population"]) == sum(n["change"] for n in body["network_population"])
    assert body["checks"]["orphaned_practices"] == {"a": 3, "b": 0, "change": -3}
    assert body["checks"]["overlapping_networks"]["b"] == 2


@pytest.mark.parametrize(
    ("url", "status", "parameter", "fragment"),
    [
        ("/api/v1/scenarios/nope/checks", 404, "scenario", "No scenario with slug 'nope'"),
        (f"/api/v1/scenarios/{REGISTERED}/checks?boundary_set=nope", 404, "boundary_set", "No boundary set"),
        (f"/api/v1/scenarios/{REGISTERED}/checks?area=ZZ9", 404, "area", "No area with ODS or GSS code 'ZZ9'"),
        (f"/api/v1/scenarios/{REGISTERED}/checks?area=ZA1'%20OR%20'1'='1", 400, "area", "must be an ODS"),
        (f"/api/v1/scenarios/{REGISTERED}/checks?min=60000", 400, "min", "must not be greater than 'max'"),
        (f"/api/v1/scenarios/{REGISTERED}/checks?min=40000&max=30000", 400, "min", "must not be greater"),
        (f"/api/v1/scenarios/{REGISTERED}/checks?max=lots", 400, "max", "must be a number, got 'lots'"),
        (f"/api/v1/scenarios/{REGISTERED}/checks?dominance=2", 400, "dominance", "between 0 and 1"),
        (f"/api/v1/scenarios/{REGISTERED}/checks?stale_days=1.5", 400, "stale_days", "whole number"),
        (f"/api/v1/scenarios/{REGISTERED}/checks?detail=all", 400, "detail", "'detail' must be one of"),
        (f"/api/v1/scenarios/{REGISTERED}/checks.csv?min=x", 400, "min", "must be a number"),
        (f"/api/v1/scenarios/{REGISTERED}/networks/UZ9999", 404, "code", "No network with code 'UZ9999'"),
        ("/api/v1/scenarios/nope/networks/UZ0001", 404, "scenario", "No scenario"),
        (f"/api/v1/scenarios/compare?a={REGISTERED}", 400, "b", "'b' (a scenario slug) is required"),
        (f"/api/v1/scenarios/compare?a={REGISTERED}&b=nope", 404, "scenario", "No scenario with slug 'nope'"),
    ],
)
def test_bad_input(demo_client, url, status, parameter, fragment):
    body = _problem(demo_client.get(url), status, parameter)
    assert fragment in body["detail"]


def test_default_boundary_set_and_other_datasets(fresh_demo_db, fresh_demo_db_url):
    with fresh_demo_db.connection() as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO boundary_sets (slug, name, level, vintage, valid_from, dataset)"
            " VALUES ('another', 'Another', 'icb', 'x', '2019-04-01', 'real')"
        )
    app = make_app(fresh_demo_db_url)
    try:
        client = app.test_client()
        # Without a choice: the set in force on the scenario's date, of its own dataset (never the real one).
        body = client.get(f"/api/v1/scenarios/{REGISTERED}/checks?detail=summary").get_json()
        assert body["boundary_set"]["slug"] == BS and body["scope"]["boundary_set"]["chosen"] == "in force"
        refused = _problem(
            client.get(f"/api/v1/scenarios/{REGISTERED}/checks?boundary_set=another"), 400, "boundary_set"
        )
        assert refused["detail"] == (
            f"Boundary set 'another' belongs to the real dataset; scenario '{REGISTERED}' is synthetic."
        )
        assert refused["allowed"] == [BS]
    finally:
        app.extensions["geo_db"].close()


def test_scenario_scope_and_as_of(demo_client):
    scope = demo_client.get(f"/api/v1/scenarios/{REGISTERED}").get_json()
    assert scope["as_of"] == "2024-10-01" and scope["dataset"] == "synthetic"
    assert scope["extracts"]["register"]["chosen"] == "pinned"
    assert scope["data_line"].startswith("as of 1 Oct 2024 · register Oct 2024")
    # Before the memberships started (1 July 2019) every network is empty; which practices existed then no
    # file of the demo says (its register and list sizes are of 2024), so orphans are not judged, and say why.
    early = demo_client.get(f"/api/v1/scenarios/{REGISTERED}/checks?detail=summary&as_of=2019-06-30").get_json()
    assert early["summary"]["empty_networks"] == early["summary"]["networks"] > 0
    orphans = early["summary"]["orphaned_practices"]
    assert orphans["judged"] is False and "30 Jun 2019" in orphans["reason"]
    assert early["parameters"]["as_of"] == "2019-06-30"
    body = _problem(demo_client.get(f"/api/v1/scenarios/{REGISTERED}/checks?as_of=yesterday"), 400, "as_of")
    assert body["detail"] == "'as_of' must be a date like 2019-12-04, got 'yesterday'."
    extracts = demo_client.get("/api/v1/extracts?dataset=synthetic").get_json()["extracts"]
    assert {e["kind"] for e in extracts} == {"boundaries", "list_sizes", "pcn", "postcodes", "practices"}


def test_scenario_settings_need_the_admin_token(fresh_demo_db, fresh_demo_db_url):
    closed = make_app(fresh_demo_db_url)
    try:
        body = _problem(closed.test_client().patch(f"/api/v1/scenarios/{REGISTERED}", json={"as_of": "2020-01-01"}),
                        401, None)  # fmt: skip
        assert "Sign in" in body["detail"]  # issue 12: anonymous writes are 401 (tests/access has the roles)
    finally:
        closed.extensions["geo_db"].close()
    app = make_app(fresh_demo_db_url, GEO_ADMIN_TOKEN="s3cret")
    try:
        client = app.test_client()
        url = f"/api/v1/scenarios/{REGISTERED}"
        _problem(client.patch(url, json={"as_of": "2020-01-01"}, headers={"Authorization": "Bearer nope"}), 401, None)
        auth = {"Authorization": "Bearer s3cret", "If-Match": client.get(url).headers["ETag"]}  # issue 12
        _problem(client.patch(url, json={"colour": "red"}, headers=auth), 400, "colour")
        bad = _problem(client.patch(url, json={"register": 99999}, headers=auth), 400, "register")
        assert bad["detail"] == "Extract 99999 is not a register extract of the synthetic dataset."
        ok = client.patch(url, json={"as_of": "2019-06-30"}, headers=auth)
        assert ok.status_code == 200 and ok.get_json()["as_of"] == "2019-06-30"
        summary = client.get(f"{url}/checks?detail=summary").get_json()["summary"]
        assert summary["empty_networks"] == summary["networks"] > 0
        assert summary["orphaned_practices"]["judged"] is False
    finally:
        app.extensions["geo_db"].close()


def test_over_http(demo_server):
    with urllib.request.urlopen(f"{demo_server.url}/api/v1/scenarios/{PROPOSAL}/checks?detail=summary") as resp:
        assert resp.status == 200
        body = json.loads(resp.read())
    assert body["summary"]["geometry"]["areas_with_gaps"] == 1


def test_etag_and_revalidation(demo_client):
    url = f"/api/v1/scenarios/{REGISTERED}/checks?detail=summary"
    first = demo_client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    again = demo_client.get(url)
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    not_modified = demo_client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and not not_modified.get_data()
    other = demo_client.get(url + "&min=1000")
    assert other.headers["ETag"] != first.headers["ETag"]
    fresh = demo_client.get(url, headers={"Cache-Control": "no-cache"})
    assert fresh.get_json() == first.get_json()


def test_a_data_change_is_seen_at_once(fresh_demo_db, fresh_demo_db_url):
    app = make_app(fresh_demo_db_url)
    try:
        client = app.test_client()
        url = f"/api/v1/scenarios/{REGISTERED}/checks"
        before = client.get(url)
        assert before.get_json()["summary"]["orphaned_practices"] == 3
        with fresh_demo_db.connection() as conn, conn.cursor() as cur:
            cur.execute("UPDATE practice_register SET status = 'closed' WHERE ods_code = ANY(%(c)s)",
                        {"c": sorted(PLANTED[REGISTERED]["orphaned_practices"])[:1]})  # fmt: skip
        after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200 and after.get_json()["summary"]["orphaned_practices"] == 2
        assert after.headers["ETag"] != before.headers["ETag"]
    finally:
        app.extensions["geo_db"].close()
