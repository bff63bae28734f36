"""Issue 19, the findings browser's API on the real mixed database (demo + the three England bundles): England's
orphaned practices in April 2022 agree with the rule engine's own count, each names its practice, area and
commissioner; area filters hold at every level (CCG, sub-ICB, ICB) and their counts are what filtering gives."""

from __future__ import annotations

import pytest

from tests.conftest import make_app

pytestmark = pytest.mark.real_data

SCEN = "epcn-april-2022"
API = f"/api/v1/scenarios/{SCEN}/findings"


@pytest.fixture(scope="module")
def client(mixed_db_url):
    app = make_app(mixed_db_url)
    yield app.test_client()
    app.extensions["geo_db"].close()


def _json(client, url: str) -> dict:
    resp = client.get(url)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:800]
    return resp.get_json()


def test_england_orphans_april_2022_are_the_engines_and_each_is_named(client):
    body = _json(client, API + "?rule=orphaned&per_page=500")
    summary = _json(client, f"/api/v1/scenarios/{SCEN}/checks?detail=summary")["summary"]
    rows = body["findings"]
    assert body["totals"]["findings"] == len(rows) == summary["orphaned_practices"] > 50
    assert len({r["code"] for r in rows}) == len(rows)
    assert body["scope"]["as_of"] == "2022-04-27"
    for r in rows:
        assert r["subject"] == "practice" and r["finding"] == "orphaned" and r["networks"] == []
        assert r["name"] and r["code"] in r["sentence"], r
        assert r["area"] and r["area"]["name"], r
        assert r["map_url"] == f"/maps/{SCEN}/areas/{r['area']['code']}"


@pytest.mark.parametrize("boundary_set", ["ccg-april-2021", "sub-icb-locations-july-2022", "icb-july-2022"])
def test_area_counts_at_every_level_are_what_filtering_gives(client, boundary_set):
    whole = _json(client, f"{API}?rule=orphaned&boundary_set={boundary_set}&per_page=500")
    assert whole["filters"]["boundary_set"] == boundary_set
    areas = whole["counts"]["areas"]
    assert areas and sum(a["count"] for a in areas) >= whole["totals"]["findings"]
    for a in areas[:3]:
        one = _json(client, f"{API}?rule=orphaned&boundary_set={boundary_set}&area={a['code']}&per_page=500")
        assert one["totals"]["findings"] == a["count"] == len(one["findings"])
        assert one["filters"]["area"]["code"] == a["code"]


def test_kent_and_medway_cross_boundary_networks_in_2022_in_one_request(client):
    body = _json(client, f"{API}?rule=cross_boundary_networks&area=QKS&boundary_set=icb-july-2022&tier=headline")
    assert body["filters"]["area"]["name"].startswith("NHS Kent and Medway")
    for r in body["findings"]:
        assert r["subject"] == "network" and r["map_url"].startswith(f"/maps/{SCEN}/networks/")
