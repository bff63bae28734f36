import re

import psycopg2

from tests.conftest import make_app


def test_index_lists_scenarios_boundary_sets_and_areas(demo_client):
    html = demo_client.get("/").get_data(as_text=True)
    assert "demo-as-registered" in html and "demo-commissioner-proposal" in html
    assert "Synthetic demo CCGs (not real)" in html
    assert "NHS Northmere CCG (synthetic demo)" in html
    assert "/static/vendor/nhsuk-frontend/nhsuk-frontend.min.css" in html


def test_index_escapes_names_from_data(fresh_db_url):
    with psycopg2.connect(fresh_db_url) as conn, conn.cursor() as cur:
        cur.execute(
            "INSERT INTO scenarios (slug, name, as_of) VALUES ('xss', %(n)s, '2019-12-04')",
            {"n": "<img src=x onerror=alert(1)>"},
        )
    app = make_app(fresh_db_url)
    html = app.test_client().get("/").get_data(as_text=True)
    app.extensions["geo_db"].close()
    assert "<img src=x onerror=alert(1)>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_api_lists_with_slugs(demo_client):
    sets = demo_client.get("/api/v1/boundary-sets").get_json()["boundary_sets"]
    assert [s["slug"] for s in sets] == ["demo-ccg"] and sets[0]["area_count"] == 4
    scen = demo_client.get("/api/v1/scenarios").get_json()["scenarios"]
    assert {s["slug"] for s in scen} == {"demo-as-registered", "demo-commissioner-proposal"}
    resp = demo_client.get("/api/v1/boundary-sets/nope/areas")
    assert resp.status_code == 404 and resp.headers["Content-Type"] == "application/problem+json"


def test_index_counts_active_gp_practices_on_real_data(england_2019_db_url):
    app = make_app(england_2019_db_url)
    html = app.test_client().get("/").get_data(as_text=True)
    app.extensions["geo_db"].close()
    assert "ePCN December 2019" in html and "191 areas" in html
    assert (
        "as of 4 Dec 2019 · register Dec 2019 · list sizes Jan 2021 · locations Oct 2020 · boundaries Apr 2019" in html
    )
    assert re.search(r"<td[^>]*>6,757</td>", html)  # current memberships on 4 Dec 2019


def test_index_keeps_datasets_apart(all_bundles_db_url):
    app = make_app(all_bundles_db_url)
    html = app.test_client().get("/").get_data(as_text=True)
    app.extensions["geo_db"].close()
    real = html[html.index('id="dataset-real"') : html.index('id="dataset-synthetic"')]
    demo = html[html.index('id="dataset-synthetic"') :]
    assert "ePCN December 2019" in real and "demo-as-registered" not in real and "Synthetic" not in real
    assert "demo-as-registered" in demo and "ePCN December 2019" not in demo
