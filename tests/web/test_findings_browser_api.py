"""Issue 19, the findings browser on the demo data: the JSON API, CSV and GeoPackage of the same filtered set,
counts that agree with the filters they stand for, paging, bad input, escaping, links into it and search."""

from __future__ import annotations

import csv
import io

import pyogrio
import pytest

from geo_service.analysis import rules
from tests.conftest import make_app
from tests.maps import xss_data

xss_db_url = xss_data.xss_db_url

SCEN = "demo-as-registered"
API = f"/api/v1/scenarios/{SCEN}/findings"
PAGE = f"/maps/{SCEN}/findings"


def _json(client, url: str, status: int = 200) -> dict:
    resp = client.get(url)
    assert resp.status_code == status, resp.get_data(as_text=True)[:800]
    return resp.get_json()


def test_every_headline_finding_once_with_name_code_sentence_and_map(demo_client):
    body = _json(demo_client, API + "?per_page=500")
    summary = _json(demo_client, f"/api/v1/scenarios/{SCEN}/checks?detail=summary")["summary"]
    rows = body["findings"]
    assert body["totals"]["findings"] == len(rows) == body["totals"]["in_tier"] > 0
    assert {r["tier"] for r in rows} == {"headline"}
    by_finding: dict[str, int] = {}
    for r in rows:
        by_finding[r["finding"]] = by_finding.get(r["finding"], 0) + 1
        assert r["code"] and r["name"], r
        assert r["code"] in r["sentence"], r  # the sentence names its subject with its code
        assert r["map_url"] and r["map_url"].startswith(f"/maps/{SCEN}/"), r
    # One row per practice / network for the rules that name one subject per item: the engine's own counts.
    assert by_finding.get("orphaned", 0) == summary["orphaned_practices"] > 0
    assert by_finding.get("undersized", 0) == summary["undersized_networks"]
    assert by_finding.get("oversized", 0) == summary["oversized_networks"]
    assert by_finding.get("dominated", 0) == summary["dominated_networks"]
    counted = {c["rule"]: c["count"] for c in body["counts"]["rules"]}
    assert sum(counted.values()) == len(rows)
    assert set(counted) == {r.key for r in rules.of_tier("headline")}


def test_orphans_name_their_area_commissioner_and_point(demo_client):
    body = _json(demo_client, API + "?rule=orphaned")
    assert body["filters"]["rule"] == "orphaned_practices" and body["filters"]["finding"] == "orphaned"
    for r in body["findings"]:
        assert r["subject"] == "practice" and r["networks"] == []
        assert r["area"]["code"] and r["area"]["name"]
        assert r["commissioner"]["code"] and r["commissioner"]["name"]
        assert -8 < r["lon"] < 2 and 49 < r["lat"] < 56
        assert r["map_url"] == f"/maps/{SCEN}/areas/{r['area']['code']}"


def test_counts_per_area_are_what_filtering_by_that_area_gives(demo_client):
    whole = _json(demo_client, API + "?tier=all&per_page=500")
    areas = whole["counts"]["areas"]
    assert len(areas) >= 3
    for a in areas:
        one = _json(demo_client, API + f"?tier=all&per_page=500&area={a['code']}")
        assert one["totals"]["findings"] == a["count"], a
        assert one["filters"]["area"] == {"code": a["code"], "name": a["name"]}
        # Counts per rule in an area sum to the area's findings.
        assert sum(c["count"] for c in one["counts"]["rules"]) == a["count"]


def test_rule_network_and_commissioner_filters(demo_client):
    undersized = _json(demo_client, API + "?rule=undersized")
    assert undersized["findings"] and {r["finding"] for r in undersized["findings"]} == {"undersized"}
    net = undersized["findings"][0]["code"]
    of_net = _json(demo_client, API + f"?tier=all&network={net}&per_page=500")
    assert of_net["findings"] and all(net in [n["code"] for n in r["networks"]] for r in of_net["findings"])
    comm = undersized["findings"][0]["commissioner"]["code"]
    of_comm = _json(demo_client, API + f"?commissioner={comm}&per_page=500")
    assert of_comm["findings"] and {r["commissioner"]["code"] for r in of_comm["findings"]} == {comm}
    assert of_comm["totals"]["findings"] < of_comm["totals"]["in_tier"]


def test_paging_covers_every_finding_once_and_sorts(demo_client):
    whole = _json(demo_client, API + "?tier=all&per_page=500")
    total = whole["totals"]["findings"]
    assert total > 3
    seen = []
    page = 1
    while True:
        body = _json(demo_client, API + f"?tier=all&per_page=3&page={page}")
        assert body["pages"] == -(-total // 3) and body["per_page"] == 3
        seen += [(r["rule"], r["finding"], r["code"]) for r in body["findings"]]
        if body["links"]["next"] is None:
            break
        page += 1
    assert page == body["pages"] and len(seen) == total == len(set(seen))
    by_name = _json(demo_client, API + "?tier=all&per_page=500&sort=name")["findings"]
    names = [r["name"].casefold() for r in by_name]
    assert names == sorted(names)
    by_value = _json(demo_client, API + "?rule=size_band&sort=-value")["findings"]
    values = [r["figure"] for r in by_value]
    assert values == sorted(values, reverse=True)
    # Rows without the value sorted on come last, ascending or descending.
    for sort in ("value", "-value"):
        detail = _json(demo_client, API + f"?tier=all&per_page=500&sort={sort}")["findings"]
        known = [r["figure"] is not None for r in detail]
        assert known == sorted(known, reverse=True), sort


@pytest.mark.parametrize(
    ("query", "status", "parameter", "words"),
    [
        ("rule=nonsense", 400, "rule", "No rule or finding 'nonsense'"),
        ("rule=size_band&finding=orphaned", 400, "finding", "No finding 'orphaned'"),
        ("tier=everything", 400, "tier", "'tier' must be one of"),
        ("sort=colour", 400, "sort", "'sort' must be one of"),
        ("per_page=0", 400, "per_page", "'per_page' must be from 1 to 500, got 0"),
        ("per_page=5000", 400, "per_page", "'per_page' must be a whole number from 1 to 500"),
        ("page=0", 400, "page", "'page' must be at least 1, got 0"),
        ("page=999", 400, "page", "'page' 999 is past the last page"),
        ("area=QQQ", 404, "area", "No area with ODS or GSS code 'QQQ'"),
        ("network=UNOPE", 404, "code", "No network with code 'UNOPE'"),
        ("commissioner=%3Dcmd", 400, "commissioner", "'commissioner' must be an ODS code"),
    ],
)
def test_bad_input_is_a_problem_naming_the_parameter(demo_client, query, status, parameter, words):
    body = _json(demo_client, f"{API}?{query}", status)
    assert body["status"] == status and body["parameter"] == parameter, body
    assert words in body["detail"], body


def test_unknown_scenario_is_404(demo_client):
    body = _json(demo_client, "/api/v1/scenarios/no-such-plan/findings", 404)
    assert body["parameter"] == "scenario"


def test_csv_and_geopackage_hold_the_filtered_set(demo_client, tmp_path):
    body = _json(demo_client, API + "?tier=all&area=ZA3&per_page=2")
    total = body["totals"]["findings"]
    assert total > 2  # more than one page: the files hold every page
    csv_resp = demo_client.get(body["links"]["csv"])
    assert csv_resp.status_code == 200 and csv_resp.mimetype == "text/csv"
    assert csv_resp.headers["X-Total-Count"] == str(total)
    rows = list(csv.DictReader(io.StringIO(csv_resp.get_data(as_text=True))))
    assert len(rows) == total
    assert {r["area_code"] for r in rows} >= {"ZA3"} and all(r["sentence"] for r in rows)
    path = tmp_path / "f.csv"
    path.write_bytes(csv_resp.data)
    assert pyogrio.read_info(path)["features"] == total  # GDAL reads it back
    gpkg = demo_client.get(body["links"]["gpkg"])
    assert gpkg.status_code == 200 and gpkg.mimetype == "application/geopackage+sqlite3"
    gpath = tmp_path / "f.gpkg"
    gpath.write_bytes(gpkg.data)
    layers = [name for name, _ in pyogrio.list_layers(gpath)]
    assert layers[0] == "findings"
    info = pyogrio.read_info(gpath, layer="findings")
    assert info["features"] == total and info["geometry_type"] == "Point" and info["crs"] == "EPSG:4326"
    frame = pyogrio.read_dataframe(gpath, layer="findings")
    assert sorted(frame["code"]) == sorted(r["code"] for r in rows)
    assert "SCENARIO" in pyogrio.read_info(gpath, layer="findings")["layer_metadata"]


def test_geojson_for_the_map_and_the_page(demo_client):
    body = _json(demo_client, API + "?tier=all&per_page=500")
    geo = demo_client.get(f"{API}.geojson?tier=all")
    assert geo.status_code == 200 and geo.mimetype == "application/geo+json"
    data = geo.get_json()
    located = [r for r in body["findings"] if r["lon"] is not None]
    assert len(data["features"]) == len(located) == data["totals"]["located"]
    html = demo_client.get(PAGE + "?rule=orphaned").get_data(as_text=True)
    assert 'id="findings-table"' in html and 'id="findings-map"' in html
    assert html.count('class="geo-finding-row"') == _json(demo_client, API + "?rule=orphaned")["totals"]["findings"]
    assert "vendor/leaflet/leaflet.js" in html and "https://" not in html.split('id="findings-config"')[1][:300]


def test_etag_revalidates(demo_client):
    first = demo_client.get(API)
    again = demo_client.get(API, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_pages_link_into_the_browser_prefiltered(demo_client):
    area = demo_client.get(f"/maps/{SCEN}/areas/ZA1").get_data(as_text=True)
    assert f'href="/maps/{SCEN}/findings?area=ZA1&amp;boundary_set=demo-ccg"' in area
    net = demo_client.get(f"/maps/{SCEN}/networks/UZ0001").get_data(as_text=True)
    assert f"/maps/{SCEN}/findings?network=UZ0001&amp;tier=all" in net
    overview = demo_client.get(f"/maps/{SCEN}").get_data(as_text=True)
    assert f'href="/maps/{SCEN}/findings"' in overview


def test_findings_url_for_other_pages(demo_app):
    from geo_service.errors import InvalidParameter
    from geo_service.web.routes.findings_browser import findings_url

    with demo_app.test_request_context():
        assert findings_url(SCEN, rule="orphaned") == f"/maps/{SCEN}/findings?rule=orphaned_practices&finding=orphaned"
        assert findings_url(SCEN, rule="cross_boundary_networks", area="ZA1") == (
            f"/maps/{SCEN}/findings?rule=cross_boundary_networks&area=ZA1"
        )
        assert findings_url(SCEN, tier="detail") == f"/maps/{SCEN}/findings?tier=detail"
        # Home's headline keys (summary keys, nested ones too) name the same lists.
        assert (
            findings_url(SCEN, rule="undersized_networks") == f"/maps/{SCEN}/findings?rule=size_band&finding=undersized"
        )
        assert findings_url(SCEN, rule="cross_boundary_networks.administrative") == (
            f"/maps/{SCEN}/findings?rule=cross_boundary_networks&finding=cross_boundary_administrative"
        )
        with pytest.raises(InvalidParameter):
            findings_url(SCEN, rule="nope")


@pytest.mark.parametrize(
    ("words", "key"),
    [
        ("orphaned", "orphaned_practices"),
        ("Cross-boundary", "cross_boundary_networks"),
        ("undersized", "undersized"),
        ("oversized", "oversized"),
        ("dominated", "dominance"),
    ],
)
def test_search_finds_the_browser_by_rule_words(demo_client, words, key):
    body = _json(demo_client, f"/api/v1/search?q={words}&scenario={SCEN}")
    hits = [h for h in body["hits"] if h["kind"] == "finding"]
    assert hits and hits[0]["code"] == key and hits[0]["scenario"] == SCEN, body["hits"][:3]
    page = demo_client.get(hits[0]["url"])
    assert page.status_code == 200 and 'id="findings-table"' in page.get_data(as_text=True)


def test_hostile_names_are_escaped(xss_db_url):
    app = make_app(xss_db_url)
    try:
        client = app.test_client()
        html = client.get(PAGE + "?tier=all&per_page=500").get_data(as_text=True)
        assert xss_data.XSS not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        text = client.get(API + ".csv?tier=all").get_data(as_text=True)
        assert xss_data.XSS in text  # CSV is data, not HTML; formula prefixes are defused by csv_output
    finally:
        app.extensions["geo_db"].close()


@pytest.mark.parametrize(("rule", "selected"), [("orphaned", "orphaned_practices"), ("undersized", "undersized")])
def test_the_form_keeps_the_rule_asked_for(demo_client, rule, selected):
    html = demo_client.get(f"{PAGE}?rule={rule}").get_data(as_text=True)
    select = html.split('id="filter-rule"')[1].split("</select>")[0]
    assert f'value="{selected}" selected' in select and select.count(" selected") == 1


@pytest.mark.parametrize("words", ["network", "Practices", "area"])
def test_search_for_names_of_things_offers_no_findings_list(demo_client, words):
    body = _json(demo_client, f"/api/v1/search?q={words}")
    assert not [h for h in body["hits"] if h["kind"] == "finding"]
