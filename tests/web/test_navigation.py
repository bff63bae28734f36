"""Issue 11, navigation: the home page, the one search, switchers and breadcrumbs, canonical URLs and error
pages that offer the nearest valid pages, on the real bundles (demo + 2019/20 + 2020/21 + 2021/22)."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from tests.conftest import make_app

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def client(all_bundles_db_url):
    app = make_app(all_bundles_db_url)
    yield app.test_client()
    app.extensions["geo_db"].close()


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _row(page: str, slug: str) -> str:
    start = page.index(f'data-scenario="{slug}"')
    return page[start : page.index("</tr>", start)]


# ---- home -------------------------------------------------------------------------------------------


def test_home_lists_every_scenario_with_dataset_date_and_the_engines_headline_findings(client):
    page = _text(client.get("/"))
    for slug in ("epcn-december-2019", "qof-pcn-mapping-2020-21", "epcn-april-2022", "demo-as-registered"):
        row = _row(page, slug)
        checks = client.get(f"/api/v1/scenarios/{slug}/checks?detail=summary").get_json()
        summary = checks["summary"]
        assert f'href="/maps/{slug}"' in row
        badge = "Synthetic demo data (not real)" if slug.startswith("demo") else "Real NHS data"
        assert badge in row
        # Each headline number links to the list of those findings (the findings browser, pre-filtered).
        link = r'<a class="headline-findings-link" href="/maps/{}/findings\?rule={}">'
        undersized = re.search(
            r'data-key="undersized_networks">'
            + link.format(slug, "undersized_networks")
            + r"<strong>([\d,]+)</strong> networks? under 30,000",
            row,
        )
        assert undersized and int(undersized.group(1).replace(",", "")) == summary["undersized_networks"]
        cross = re.search(
            r'data-key="cross_boundary_networks.administrative">'
            + link.format(slug, "cross_boundary_networks.administrative")
            + r"<strong>([\d,]+)</strong>",
            row,
        )
        assert int(cross.group(1).replace(",", "")) == summary["cross_boundary_networks"]["administrative"]
        assert "over 50 % of patients" in row
        assert f"Overview on {checks['boundary_set']['name']} (default)" in row
    assert "4 Dec 2019" in _row(page, "epcn-december-2019")


def test_home_compare_links_open_a_compare_page(client):
    page = _text(client.get("/"))
    links = re.findall(r'class="compare-link" href="([^"]+)"', page)
    assert len(links) >= 4
    for link in links[:3]:
        assert client.get(html_lib.unescape(link)).status_code == 200, link


def test_home_boundary_set_rows_open_area_maps_and_icb_counts_are_by_location(client):
    page = _text(client.get("/"))
    icb = page[page.index('id="boundary-set-icb-july-2022"') :]
    icb = icb[: icb.index("</details>")]
    kent = re.search(
        r'href="([^"]+/areas/QKS[^"]*)">NHS Kent and Medway Integrated Care Board</a>.*?practice-count">([\d,]+)<',
        icb,
        re.S,
    )
    assert kent, icb[:2000]
    assert int(kent.group(2).replace(",", "")) > 150  # Kent and Medway ICB holds ~190 practices by location
    assert "boundary_set=icb-july-2022" in kent.group(1)
    counts = [int(c.replace(",", "")) for c in re.findall(r'practice-count">([\d,]+)<', icb)]
    assert len(counts) == 42 and min(counts) > 0  # never 0 because ICB codes are not commissioner codes
    assert client.get(html_lib.unescape(kent.group(1))).status_code == 200
    west_kent = re.search(r'href="([^"]+)">NHS West Kent CCG</a>', page)
    assert html_lib.unescape(west_kent.group(1)) == "/maps/epcn-december-2019/areas/99J"


# ---- overview ---------------------------------------------------------------------------------------


def test_overview_opens_on_the_scenarios_default_boundary_set_with_switchers(client):
    page = _text(client.get("/maps/epcn-april-2022"))
    checks = client.get("/api/v1/scenarios/epcn-april-2022/checks?detail=summary").get_json()
    default = checks["boundary_set"]["slug"]
    assert re.search(rf'<option value="{default}" selected>', page)
    assert '<select id="switch-boundary-set" name="boundary_set">' in page
    assert '<option value="epcn-april-2022" selected>' in page
    assert 'id="breadcrumbs"' in page and 'aria-current="page">' + checks["boundary_set"]["name"] in page


def test_icb_overview_of_2022_counts_findings_by_location(client):
    data = client.get("/api/v1/maps/epcn-april-2022/areas.geojson?boundary_set=icb-july-2022").get_json()
    per_area = {f["properties"]["code"]: f["properties"]["n"] for f in data["features"]}
    assert len(per_area) == 42
    checks = client.get("/api/v1/scenarios/epcn-april-2022/checks?boundary_set=icb-july-2022&area=QKS").get_json()
    s = checks["summary"]
    found = s["undersized_networks"] + s["oversized_networks"] + s["orphaned_practices"]
    assert found > 0  # the checks find something in Kent and Medway ...
    assert per_area["QKS"] > 0  # ... and the overview shows it
    assert sum(1 for n in per_area.values() if n > 0) >= 40


# ---- switchers and breadcrumbs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/maps/epcn-december-2019",
        "/maps/epcn-december-2019/areas/99J",
        "/maps/epcn-april-2022/networks/U47228",
        "/maps/compare?a=epcn-december-2019&b=epcn-april-2022&area=99J",
    ],
)
def test_every_map_page_has_switchers_and_breadcrumbs(client, path):
    page = _text(client.get(path))
    assert 'id="scenario-switcher"' in page and 'id="boundary-set-switcher"' in page
    assert '<button type="submit">Show scenario</button>' in page
    crumbs = page[page.index('id="breadcrumbs"') : page.index("</nav>", page.index('id="breadcrumbs"'))]
    assert '<a class="nhsuk-breadcrumb__link" href="/">Home</a>' in crumbs
    assert crumbs.count('aria-current="page"') == 1


def test_switch_keeps_the_area_when_the_other_boundary_set_has_it(client):
    resp = client.get("/switch?scenario=epcn-april-2022&boundary_set=icb-july-2022&area=qks")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(
        "/maps/epcn-april-2022/areas/QKS?boundary_set=icb-july-2022"
    )
    resp = client.get("/switch?scenario=epcn-december-2019&boundary_set=icb-july-2022&area=99J")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(
        "/maps/epcn-december-2019?boundary_set=icb-july-2022"
    )
    resp = client.get("/switch?scenario=demo-as-registered&boundary_set=icb-july-2022")
    assert resp.headers["Location"].endswith("/maps/demo-as-registered")  # another dataset's set is dropped
    assert client.get("/switch?scenario=nope").status_code == 404


# ---- search -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("q", ["West Kent", "99J", "99j", "west kent ccg"])
def test_search_for_west_kent_goes_to_its_2019_map(client, q):
    resp = client.get("/search", query_string={"q": q})
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith("/maps/epcn-december-2019/areas/99J")


def test_search_kent_and_medway_lists_every_boundary_set_with_context(client):
    resp = client.get("/search", query_string={"q": "kent and medway", "scenario": "epcn-december-2019"})
    page = _text(resp)
    assert resp.status_code == 200 and 'id="results-area"' in page
    qks = re.search(
        r'data-code="QKS" data-scenario="epcn-april-2022" data-boundary-set="icb-july-2022">\s*<a href="([^"]+)">', page
    )
    assert qks and html_lib.unescape(qks.group(1)) == "/maps/epcn-april-2022/areas/QKS?boundary_set=icb-july-2022"
    assert "ICB July 2022 (ICB), shown in ePCN April 2022" in page
    assert "Sub-ICB Locations July 2022" in page and "CCG April 2021" in page


def test_a_kent_code_typed_on_a_2019_overview_is_found_in_later_boundary_sets(client):
    body = client.get("/api/v1/search", query_string={"q": "91q", "scenario": "epcn-december-2019"}).get_json()
    areas = [h for h in body["hits"] if h["kind"] == "area"]
    assert {h["boundary_set"] for h in areas} >= {"ccg-april-2020", "ccg-april-2021", "sub-icb-locations-july-2022"}
    assert all(h["code"] == "91Q" and h["scenario"] and h["url"].startswith("/maps/") for h in areas)


def test_search_finds_practices_by_code_and_postcode_and_networks_by_code(client):
    body = client.get("/api/v1/search", query_string={"q": "g82058"}).get_json()
    assert body["confident"]["kind"] == "practice" and body["confident"]["code"] == "G82058"
    assert body["confident"]["url"].startswith("/maps/") and "/networks/" in body["confident"]["url"]
    postcode = body["confident"]["detail"]
    by_postcode = client.get("/api/v1/search", query_string={"q": postcode.lower().replace(" ", "")}).get_json()
    assert "G82058" in [h["code"] for h in by_postcode["hits"] if h["kind"] == "practice"]
    net = client.get("/search", query_string={"q": "u47228", "scenario": "epcn-april-2022"})
    assert net.status_code == 303 and net.headers["Location"].endswith("/maps/epcn-april-2022/networks/U47228")


def test_search_without_a_hit_says_why_and_suggests(client):
    page = _text(client.get("/search", query_string={"q": "Wset Kent"}))
    assert "Nothing is called or coded &#39;Wset Kent&#39;" in page
    assert re.search(r'id="search-suggestions">\s*<li><a href="/search\?q=99J">NHS West Kent CCG \(99J\)</a>', page)
    assert client.get("/api/v1/search", query_string={"q": "x"}).status_code == 400


def test_search_text_is_escaped(client):
    page = _text(client.get("/search", query_string={"q": "<img src=x onerror=alert(1)>"}))
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


# ---- canonical URLs and error pages -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path, canonical",
    [
        ("/maps/epcn-december-2019/areas/99j", "/maps/epcn-december-2019/areas/99J"),
        (
            "/maps/EPCN-December-2019/areas/99j?boundary_set=ccg-april-2019",
            "/maps/epcn-december-2019/areas/99J?boundary_set=ccg-april-2019",
        ),
        ("/maps/epcn-april-2022/networks/u47228", "/maps/epcn-april-2022/networks/U47228"),
        ("/embed/epcn-december-2019/areas/99j", "/embed/epcn-december-2019/areas/99J"),
        ("/api/v1/scenarios/epcn-april-2022/networks/u47228", "/api/v1/scenarios/epcn-april-2022/networks/U47228"),
        (
            "/api/v1/scenarios/EPCN-april-2022/checks?detail=summary",
            "/api/v1/scenarios/epcn-april-2022/checks?detail=summary",
        ),
    ],
)
def test_codes_in_urls_redirect_to_the_canonical_url(client, path, canonical):
    resp = client.get(path)
    assert resp.status_code == 308, path
    assert resp.headers["Location"].endswith(canonical)
    landed = client.get(canonical)
    assert landed.status_code == 200, landed.get_data(as_text=True)[:500]


def test_unknown_area_page_offers_did_you_mean_and_the_overview(client):
    resp = client.get("/maps/epcn-december-2019/areas/99X")
    page = _text(resp)
    assert resp.status_code == 404
    assert 'id="did-you-mean"' in page and re.search(r'href="/maps/epcn-december-2019/areas/99[A-Z]"', page)
    assert 'href="/maps/epcn-december-2019">Overview of ePCN December 2019</a>' in page
    assert 'href="/search?q=99X"' in page


def test_unknown_scenario_and_network_offer_did_you_mean(client):
    page = _text(client.get("/maps/epcn-dec-2019"))
    assert 'href="/maps/epcn-december-2019">ePCN December 2019</a>' in page
    problem = client.get("/api/v1/scenarios/epcn-april-2022/networks/U4722").get_json()
    assert "suggestions" in problem, problem
    assert "U47228" in [s["code"] for s in problem["suggestions"]]
