"""Maps and embeds with the demo AND real bundles in one database: every page of a real scenario shows real
data only (and the demo's synthetic only), on the scenario's own default boundary set, and says which date
and extracts it uses."""

from __future__ import annotations

import re

import psycopg2
import pytest

from geo_service.analysis.rules.cross_boundary import HEADLINE_FINDINGS
from geo_service.db.pool import Database
from geo_service.errors import InvalidParameter, NotFound
from geo_service.maps import views
from geo_service.scope import resolve_scope
from tests.conftest import make_app
from tests.maps.mixed_data import DEMO, DEMO_PROPOSAL, REAL_2019, REAL_2022

pytestmark = pytest.mark.real_data

LINKS = views.Links(area="/a/{code}", network="/n/{code}", overview_data="/data")
LINE_2019 = "as of 4 Dec 2019 · register Dec 2019 · list sizes Jan 2021 · locations Oct 2020 · boundaries Apr 2019"
LINE_2022 = "as of 27 Apr 2022 · register Mar 2022 · list sizes Apr 2022 · locations Oct 2020 · boundaries Apr 2021"


@pytest.fixture(scope="module")
def conn(mixed_db_url):
    db = Database(mixed_db_url, statement_timeout_ms=0)
    with db.connection() as c:
        yield c
    db.close()


@pytest.fixture(scope="module")
def client(mixed_db_url):
    app = make_app(mixed_db_url)
    yield app.test_client()
    app.extensions["geo_db"].close()


@pytest.fixture(scope="module")
def demo_areas(mixed_db_url) -> set[str]:
    with psycopg2.connect(mixed_db_url) as c, c.cursor() as cur:
        cur.execute(
            """SELECT coalesce(a.ods_code, a.gss_code) FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id
                WHERE bs.slug = 'demo-ccg'"""
        )
        codes = {r[0] for r in cur.fetchall()}
    c.close()
    assert codes == {"ZA1", "ZA2", "ZA3", "ZA4"}
    return codes


def synthetic_practice(code: str) -> bool:
    return code.startswith("Z")


def view_codes(view) -> dict[str, set[str]]:
    return {layer.key: {f["properties"]["code"] for f in layer.features or []} for layer in view.layers}


# ---- (b) the default boundary set is the scenario's, never the newest in the database ------------------


@pytest.mark.parametrize(
    "scenario, expected",
    [(REAL_2019, "ccg-april-2019"), (REAL_2022, "ccg-april-2021"), (DEMO, "demo-ccg"), (DEMO_PROPOSAL, "demo-ccg")],
)
def test_default_boundary_set_is_the_scenarios_own(conn, client, scenario, expected):
    # Newer real sets (CCG April 2021, Sub-ICB/ICB July 2022) and the demo's set are loaded too.
    assert resolve_scope(conn, scenario).boundary_set["slug"] == expected
    html = client.get(f"/maps/{scenario}").get_data(as_text=True)
    assert f"/api/v1/maps/{scenario}/areas.geojson" in html
    body = client.get(f"/api/v1/maps/{scenario}/areas.geojson").get_json()
    assert body["boundary_set"] == expected and body["scope"]["boundary_set"]["slug"] == expected


def test_epcn_december_2019_overview_is_on_ccg_april_2019(client):
    body = client.get(f"/api/v1/maps/{REAL_2019}/areas.geojson").get_json()
    assert len(body["features"]) == 191
    html = client.get(f"/maps/{REAL_2019}").get_data(as_text=True)
    assert "boundaries <strong>CCG April 2019</strong>" in html


def test_an_area_missing_from_the_default_set_falls_back_to_the_newest_set_of_the_dataset(conn, client):
    # West Kent (99J) merged into Kent and Medway by April 2021: the 2022 scenario shows it on CCG April 2019.
    scope = resolve_scope(conn, REAL_2022, area="99j")
    assert scope.boundary_set["slug"] == "ccg-april-2019" and scope.area["code"] == "99J"
    assert scope.scenario["slug"] == REAL_2022 and scope.as_of.isoformat() == "2022-04-27"
    html = client.get(f"/maps/{REAL_2022}/areas/99j", follow_redirects=True).get_data(as_text=True)
    assert "NHS West Kent CCG (99J)" in html
    # Its links stay on that set (else a neighbour would open on another one).
    assert f"/maps/{REAL_2022}/areas/{{code}}?boundary_set=ccg-april-2019" in html
    # A demo area is in no real set, and a real one in no demo set.
    assert client.get(f"/maps/{REAL_2019}/areas/ZA1").status_code == 404
    assert client.get(f"/maps/{DEMO}/areas/99J").status_code == 404
    with pytest.raises(NotFound):
        resolve_scope(conn, REAL_2019, area="ZA1")


@pytest.mark.parametrize(
    "url",
    [
        f"/maps/{REAL_2019}?boundary_set=demo-ccg",
        f"/maps/{DEMO}/areas/ZA1?boundary_set=ccg-april-2019",
        f"/maps/{REAL_2019}/networks/U00351?boundary_set=demo-ccg",
        f"/api/v1/maps/{REAL_2019}/areas.geojson?boundary_set=demo-ccg",
        f"/api/v1/maps/{DEMO}/practices?q=surgery&boundary_set=ccg-april-2019",
        f"/api/v1/maps/{DEMO}/areas/ZA1/layers/practices.geojson?boundary_set=ccg-april-2021",
        f"/embed/{DEMO}/areas/ZA1?boundary_set=ccg-april-2019",
    ],
)
def test_a_boundary_set_of_another_dataset_is_refused(client, url):
    resp = client.get(url)
    assert resp.status_code == 400, url
    text = resp.get_data(as_text=True)
    assert "dataset" in text
    if url.startswith("/api/"):
        assert resp.headers["Content-Type"] == "application/problem+json"
        assert resp.get_json()["parameter"] == "boundary_set"


def test_compare_refuses_scenarios_of_two_datasets(client):
    resp = client.get(f"/maps/compare?a={REAL_2019}&b={DEMO}&area=15N")
    assert resp.status_code == 400 and "datasets" in resp.get_data(as_text=True)


# ---- (a) no synthetic row in a real scenario's maps, no real row in the demo's ---------------------------


@pytest.mark.parametrize("scenario", [REAL_2019, REAL_2022])
def test_real_overview_counts_only_real_areas(client, demo_areas, scenario):
    body = client.get(f"/api/v1/maps/{scenario}/areas.geojson").get_json()
    codes = {f["properties"]["code"] for f in body["features"]}
    assert codes and not codes & demo_areas
    assert sum(f["properties"]["n"] for f in body["features"]) > 0
    assert body["scope"]["dataset"] == "real"


def test_demo_overview_counts_only_demo_areas(client, demo_areas):
    body = client.get(f"/api/v1/maps/{DEMO}/areas.geojson").get_json()
    assert {f["properties"]["code"] for f in body["features"]} == demo_areas


@pytest.mark.parametrize("scenario, area", [(REAL_2019, "99J"), (REAL_2019, "15N"), (REAL_2022, "15N")])
def test_real_area_layers_hold_no_synthetic_row(conn, demo_areas, scenario, area):
    codes = view_codes(views.area_view(conn, resolve_scope(conn, scenario, area=area), LINKS))
    assert codes["practices"] and codes["networks"]
    for key, found in codes.items():
        assert not {c for c in found if synthetic_practice(c) or c.startswith("UZ") or c in demo_areas}, key


@pytest.mark.parametrize("scenario, area", [(DEMO, "ZA1"), (DEMO, "ZA4"), (DEMO_PROPOSAL, "ZA2")])
def test_demo_area_layers_hold_no_real_row(conn, demo_areas, scenario, area):
    codes = view_codes(views.area_view(conn, resolve_scope(conn, scenario, area=area), LINKS))
    assert codes["practices"]
    assert all(synthetic_practice(c) for c in codes["practices"] | codes["orphaned"])
    assert all(c.startswith("UZ") for c in codes["networks"])
    assert codes["neighbours"] | codes["area"] <= demo_areas


def test_area_layer_endpoint_of_a_real_scenario(client):
    for key in ("practices", "networks", "orphaned"):
        body = client.get(f"/api/v1/maps/{REAL_2019}/areas/15N/layers/{key}.geojson").get_json()
        assert not [f for f in body["features"] if synthetic_practice(f["properties"]["code"])], key


@pytest.mark.parametrize("q", ["synthetic", "Z00001", "ZZ1", "Fairview"])
def test_real_search_never_finds_a_demo_practice(client, q):
    body = client.get(f"/api/v1/maps/{REAL_2019}/practices", query_string={"q": q}).get_json()
    assert body["boundary_set"] == "ccg-april-2019"
    assert not [r for r in body["results"] if synthetic_practice(r["code"])], body


def test_real_search_finds_real_practices_with_their_area(client, demo_areas):
    body = client.get(f"/api/v1/maps/{REAL_2019}/practices", query_string={"q": "surgery"}).get_json()
    assert len(body["results"]) == 10
    assert all(not synthetic_practice(r["code"]) and r["area"] not in demo_areas for r in body["results"])
    assert all(re.fullmatch(r"\d\d[A-Z]", r["area"] or "") for r in body["results"])  # CCG April 2019 codes


@pytest.mark.parametrize("q", ["surgery", "K84016", "OX1", "medical"])
def test_demo_search_never_finds_a_real_practice(client, demo_areas, q):
    body = client.get(f"/api/v1/maps/{DEMO}/practices", query_string={"q": q}).get_json()
    assert all(synthetic_practice(r["code"]) and r["area"] in demo_areas for r in body["results"]), body


def test_real_network_page_shows_real_members_only(client):
    html = client.get(f"/maps/{REAL_2019}/networks/u00351", follow_redirects=True).get_data(as_text=True)
    assert "(U00351)" in html and not re.search(r"\bZ\d{5}\b", html)


# ---- findings on the real maps ----------------------------------------------------------------------


def test_cross_boundary_outline_follows_the_headline_only(conn):
    scope = resolve_scope(conn, REAL_2019, area="15N")
    view = views.area_view(conn, scope, LINKS)
    layers = {layer.key: layer for layer in view.layers}
    for f in layers["cross_boundary"].features:
        assert set(f["properties"]["f"]) & set(HEADLINE_FINDINGS), f["properties"]
    spilling = [f for f in layers["networks"].features if "catchment_spill" in f["properties"]["f"]]
    outlined = {f["properties"]["code"] for f in layers["cross_boundary"].features}
    only_spill = [f for f in spilling if not set(f["properties"]["f"]) & set(HEADLINE_FINDINGS)]
    assert only_spill, "expected derived catchments that spill without crossing"
    assert not {f["properties"]["code"] for f in only_spill} & outlined
    # The switchable finding layers are the rules' map layers.
    assert {"empty", "undersized", "oversized", "dominated", "extended_hours_gap"} <= set(layers)


def test_overview_counts_practice_findings_where_the_practice_is(conn):
    """Orphaned practices (from the engine) counted in the area holding their location, from SQL here."""
    from geo_service.analysis.service import run_checks

    scope = resolve_scope(conn, REAL_2019)
    per_area = views.findings_per_area(conn, scope)
    orphans = {r["code"] for r in run_checks(conn, REAL_2019, None)["items"]["orphaned_practices"]}
    assert len(orphans) == 118
    with conn.cursor() as cur:
        cur.execute(
            """SELECT coalesce(a.ods_code, a.gss_code), count(*) FROM practices p
                 JOIN scenarios s ON s.slug = %(s)s
                 JOIN practice_register r ON r.practice_id = p.id AND r.extract_id = s.register_extract_id
                 JOIN postcode_points pt ON pt.extract_id = s.location_extract_id AND pt.postcode_key = r.postcode_key
                 JOIN areas a ON ST_Intersects(a.geom, pt.geom)
                 JOIN boundary_sets bs ON bs.id = a.boundary_set_id AND bs.slug = 'ccg-april-2019'
                WHERE p.ods_code = ANY(%(codes)s) GROUP BY 1""",
            {"s": REAL_2019, "codes": sorted(orphans)},
        )
        orphans_per_area = dict(cur.fetchall())
    assert orphans_per_area
    for area, n in orphans_per_area.items():
        assert per_area.get(area, 0) >= n, area
    assert set(per_area) <= {f["properties"]["code"] for f in views.overview_features(conn, scope, 1000)["features"]}


# ---- (c) the data line -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, line",
    [
        (f"/maps/{REAL_2019}", LINE_2019),
        (f"/maps/{REAL_2019}/areas/99J", LINE_2019),
        (f"/maps/{REAL_2019}/networks/U00351", LINE_2019),
        (f"/maps/{REAL_2022}/areas/15N", LINE_2022),
        (f"/embed/{REAL_2019}/areas/99J", LINE_2019),
    ],
)
def test_pages_show_the_data_line(client, url, line):
    resp = client.get(url)
    assert resp.status_code == 200, url
    html = resp.get_data(as_text=True)
    assert f"Data: {line}" in html and "Data as of" not in html


def test_compare_shows_each_side_in_its_own_scope(client):
    html = client.get(f"/maps/compare?a={REAL_2019}&b={REAL_2022}&area=15n").get_data(as_text=True)
    # Both on the boundaries of a's scope; each side as of its own date, on its own extracts.
    a_line = re.search(r'id="data-line-a">Data: ([^<]+)<', html).group(1)
    b_line = re.search(r'id="data-line-b">Data: ([^<]+)<', html).group(1)
    assert a_line == LINE_2019
    assert (
        b_line.startswith("as of 27 Apr 2022 · register Mar 2022 · list sizes Apr 2022")
        and "boundaries Apr 2019" in b_line
    )
    assert 'id="compare-checks"' in html and 'id="moved-practices"' in html


def test_caches_key_on_the_scope(conn):
    """Two scenarios on one boundary set and area differ by date and extracts: their scopes' keys differ."""
    a = resolve_scope(conn, REAL_2019, "ccg-april-2019", area="15N")
    b = resolve_scope(conn, REAL_2022, "ccg-april-2019", area="15N")
    assert a.key() != b.key()
    with pytest.raises(InvalidParameter):
        resolve_scope(conn, DEMO, "ccg-april-2019")
