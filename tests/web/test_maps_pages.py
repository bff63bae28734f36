"""Map pages and GeoJSON layer endpoints over HTTP (Flask test client, demo data)."""

from __future__ import annotations

import re

import psycopg2
import pytest

from tests.conftest import make_app
from tests.maps import xss_data

xss_db_url = xss_data.xss_db_url  # fixture, shared with the browser tests

REG, PROP = "demo-as-registered", "demo-commissioner-proposal"
DEMO_LINE = (
    "as of 1 Oct 2024 · register Oct 2024 · list sizes Oct 2024 · locations Oct 2024 · boundaries Apr 2019"
    " · synthetic demo data"
)


@pytest.mark.parametrize(
    "url, text",
    [
        (f"/maps/{REG}", "Areas by number of findings"),
        (f"/maps/{REG}?boundary_set=demo-ccg", "findings by area"),
        (f"/maps/{REG}/areas/ZA1", "NHS Northmere CCG (synthetic demo) (ZA1)"),
        (f"/maps/{REG}/areas/E38999901", "NHS Northmere CCG (synthetic demo) (ZA1)"),  # GSS code works too
        (f"/maps/{REG}/areas/za1", "NHS Northmere CCG (synthetic demo) (ZA1)"),  # any case
        (f"/maps/{PROP}/networks/uz0001", "Synthetic Northmere Combined PCN (demo) (UZ0001)"),
        (f"/maps/{PROP}/networks/UZ0001", "Synthetic Northmere Combined PCN (demo)"),
        (f"/maps/{REG}/networks/UZ0010", "Cross-boundary"),
        (f"/maps/compare?a={REG}&b={PROP}&area=ZA3", "Practices that moved network"),
    ],
)
def test_pages_render(demo_client, url, text):
    resp = demo_client.get(url, follow_redirects=True)  # codes in another case: 308 to the canonical URL
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    html = resp.get_data(as_text=True)
    assert text in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/js/maps.js" in html
    # The scope's data line: the scenario's date, the extracts and the boundaries the page uses.
    assert DEMO_LINE in html and "Open Government Licence" in html
    assert "Data as of" not in html
    assert "https://" not in html.split("<body")[0]  # nothing from another host in <head>


@pytest.mark.parametrize(
    "url, status",
    [
        ("/maps/nope", 404),
        (f"/maps/{REG}?boundary_set=nope", 404),
        (f"/maps/{REG}/areas/ZZZ", 404),
        (f"/maps/{REG}/networks/UZ9999", 404),
        ("/maps/compare?a=nope&area=ZA1", 400),
        (f"/maps/compare?a={REG}&b={REG}&area=ZA1", 400),
    ],
)
def test_page_errors(demo_client, url, status):
    assert demo_client.get(url).status_code == status


def test_overview_layer_is_cacheable_geojson(demo_client):
    url = f"/api/v1/maps/{REG}/areas.geojson?boundary_set=demo-ccg"
    resp = demo_client.get(url)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/geo+json")
    assert resp.headers["Cache-Control"].startswith("public, max-age=")
    etag = resp.headers["ETag"]
    body = resp.get_json()
    # pr: the profile figures the colour-by control reads (issue 25)
    assert len(body["features"]) == 4 and {"code", "name", "n", "pr"} == set(body["features"][0]["properties"])
    assert body["classes"][0] == {"high": 0, "colour": "#FFFFD4", "label": "0"}
    again = demo_client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag and not again.data
    other = demo_client.get(url + "&simplify=1000")
    assert other.status_code == 200 and other.headers["ETag"] != etag  # parameters are part of the ETag


def test_area_layer_endpoint(demo_client):
    resp = demo_client.get(f"/api/v1/maps/{REG}/areas/ZA4/layers/cross_boundary.geojson")
    assert resp.status_code == 200
    assert [f["properties"]["code"] for f in resp.get_json()["features"]] == ["UZ0010"]
    bad = demo_client.get(f"/api/v1/maps/{REG}/areas/ZA4/layers/nope.geojson")
    assert bad.status_code == 404 and bad.headers["Content-Type"] == "application/problem+json"
    assert "practices" in bad.get_json()["detail"]


def test_bad_simplify_is_a_problem(demo_client):
    resp = demo_client.get(f"/api/v1/maps/{REG}/areas.geojson?simplify=3")
    assert resp.status_code == 400 and resp.headers["Content-Type"] == "application/problem+json"
    body = resp.get_json()
    assert body["parameter"] == "simplify" and body["allowed"] == [50, 100, 250, 500, 1000]


def test_etag_changes_when_the_data_changes(fresh_demo_db_url):
    app = make_app(fresh_demo_db_url)
    client = app.test_client()
    url = f"/api/v1/maps/{REG}/areas.geojson"
    first = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": first}).status_code == 304
    with psycopg2.connect(fresh_demo_db_url) as conn, conn.cursor() as cur:
        cur.execute(
            """UPDATE practice_list_sizes ls SET list_size = list_size + 1 FROM practices p, scenarios s
                WHERE p.id = ls.practice_id AND p.ods_code = 'Z00001' AND s.slug = %(s)s
                  AND ls.extract_id = s.list_size_extract_id""",
            {"s": REG},
        )
    after = client.get(url, headers={"If-None-Match": first})
    assert after.status_code == 200 and after.headers["ETag"] != first
    app.extensions["geo_db"].close()


def test_basemap_from_settings(demo_db_url):
    app = make_app(demo_db_url, GEO_TILES_URL="http://127.0.0.1:1/{z}/{x}/{y}.png", GEO_TILES_ATTRIBUTION="My tiles")
    html = app.test_client().get(f"/maps/{REG}/areas/ZA1").get_data(as_text=True)
    app.extensions["geo_db"].close()
    assert "http://127.0.0.1:1/{z}/{x}/{y}.png" in html and "My tiles" in html


def test_names_from_data_are_escaped_everywhere(xss_db_url):
    app = make_app(xss_db_url)
    client = app.test_client()
    for url in (f"/maps/{REG}/areas/ZA1", f"/maps/{REG}/networks/UZ0001", f"/maps/{REG}"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html, url
    app.extensions["geo_db"].close()


def test_pages_are_kept_until_the_data_changes(fresh_demo_db_url):
    app = make_app(fresh_demo_db_url)
    client = app.test_client()
    url = f"/maps/{REG}/areas/ZA1"
    first = client.get(url).get_data(as_text=True)
    second = client.get(url).get_data(as_text=True)
    nonces = [set(re.findall(r'nonce="([^"]+)"', page)) for page in (first, second)]
    assert all(len(n) == 1 for n in nonces) and nonces[0] != nonces[1]  # a fresh CSP nonce per response ...
    unnonced = [re.sub(r'nonce="[^"]+"', "", page) for page in (first, second)]
    assert unnonced[0] == unnonced[1]  # ... on the same page, from the cache
    with psycopg2.connect(fresh_demo_db_url) as conn, conn.cursor() as cur:
        cur.execute(
            """UPDATE practice_register r SET name = 'Renamed Surgery' FROM practices p, scenarios s
                WHERE p.id = r.practice_id AND p.ods_code = 'Z00001' AND s.slug = %(s)s
                  AND r.extract_id = s.register_extract_id""",
            {"s": REG},
        )
    conn.close()
    after = client.get(url).get_data(as_text=True)
    assert "Renamed Surgery" in after and "Renamed Surgery" not in first
    app.extensions["geo_db"].close()


def test_practice_search_for_the_overview(demo_client):
    from geo_service.demo.generator import generate

    practice = next(p for p in generate().practices if p.status == "active" and p.location is not None)
    for q in (practice.ods_code, practice.name[:8], practice.postcode.replace(" ", "").lower()):
        resp = demo_client.get(f"/api/v1/maps/{REG}/practices", query_string={"q": q})
        assert resp.status_code == 200, q
        hits = {r["code"]: r for r in resp.get_json()["results"]}
        assert practice.ods_code in hits, q
        assert hits[practice.ods_code]["area"] == practice.commissioner_code
    bad = demo_client.get(f"/api/v1/maps/{REG}/practices?q=x")
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "q"
    # LIKE wildcards are literal text
    assert demo_client.get(f"/api/v1/maps/{REG}/practices?q=%25%25").get_json()["results"] == []


def test_compressed_clients_revalidate_without_a_rebuild(demo_client, monkeypatch):
    from geo_service.maps import views

    url = f"/api/v1/maps/{REG}/areas.geojson?simplify=100"
    first = demo_client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.headers["Content-Encoding"] == "gzip"
    etag = first.headers["ETag"]  # flask-compress marks it ("...:gzip")
    from collections import OrderedDict

    from geo_service.web.routes import layers_api

    monkeypatch.setattr(layers_api, "_bodies", OrderedDict())  # nothing kept: a rebuild would be visible
    monkeypatch.setattr(views, "overview_features", lambda *a, **k: pytest.fail("layer rebuilt for a 304"))
    again = demo_client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304


def test_every_map_page_says_how_to_embed_it(demo_client):
    pages = {
        "/maps/demo-as-registered/areas/ZA1": "embed-snippet",
        "/maps/demo-as-registered/networks/UZ0003": "embed-snippet",
        "/maps/demo-as-registered?boundary_set=demo-ccg": "Open an area",
        "/maps/compare?a=demo-as-registered&b=demo-commissioner-proposal&area=ZA1": "#embed-this-map",
    }
    for path, marker in pages.items():
        html = demo_client.get(path).get_data(as_text=True)
        assert 'id="embed-this-map"' in html and marker in html, path
    compare = demo_client.get("/maps/compare?a=demo-as-registered&b=demo-commissioner-proposal&area=ZA1")
    compare = compare.get_data(as_text=True)
    assert "/maps/demo-commissioner-proposal/areas/ZA1" in compare


def test_codes_in_any_case_give_the_canonical_page(demo_client):
    import html as html_lib
    import json
    import re

    resp = demo_client.get(f"/maps/{REG.upper()}/areas/za1")
    assert resp.status_code == 308 and resp.headers["Location"].endswith(f"/maps/{REG}/areas/ZA1")  # issue 11
    page = demo_client.get(f"/maps/{REG.upper()}/areas/za1", follow_redirects=True).get_data(as_text=True)
    assert "NHS Northmere CCG (synthetic demo) (ZA1)" in page
    assert f"/embed/{REG}/areas/ZA1" in page and "/areas/za1" not in page  # share snippet and links: canonical
    scope = json.loads(html_lib.unescape(re.search(r'data-scope="([^"]+)"', page).group(1)))
    assert scope["scenario"] == REG and scope["boundary_set"]["slug"] == "demo-ccg"
    assert scope["dataset"] == "synthetic" and scope["as_of"] == "2024-10-01"
    assert scope["data_line"] == DEMO_LINE


def test_layers_and_search_take_codes_in_any_case(demo_client):
    layer = demo_client.get(
        f"/api/v1/maps/{REG}/areas/za4/layers/cross_boundary.geojson", follow_redirects=True
    ).get_json()
    assert [f["properties"]["code"] for f in layer["features"]] == ["UZ0010"]
    hits = demo_client.get(f"/api/v1/maps/{REG.upper()}/practices?q=z00001", follow_redirects=True).get_json()
    assert hits["scenario"] == REG and [r["code"] for r in hits["results"]] == ["Z00001"]
