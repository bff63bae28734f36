"""Map pages in headless Chromium: no console errors, every layer drawn with the expected number of
features (expected counts computed here from the database), zero requests leaving 127.0.0.1, the
XSS probe never executing, the legend listing every layer. Screenshots go to test-artifacts/."""

from __future__ import annotations

import psycopg2
import pytest

from geo_service.analysis import service as analysis_service
from geo_service.db.pool import Database
from tests.browser.maps_helpers import dumps, open_map
from tests.conftest import LiveServer, make_app
from tests.maps import xss_data

xss_db_url = xss_data.xss_db_url  # fixture

pytestmark = pytest.mark.browser

REG, PROP = "demo-as-registered", "demo-commissioner-proposal"

# ---- expected counts, from SQL written here (not the map's repository) -------------------------

# Practice state as of the scenario: its (pinned) register, list-size and postcode extracts; memberships
# current on its as_of. Written here again, independently of the repository's scope fragments.
AREA_SQL = """
WITH s AS (SELECT * FROM scenarios WHERE slug = %(scenario)s),
     a AS (SELECT a.* FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id
            WHERE bs.slug = %(bs)s AND (upper(a.ods_code) = upper(%(code)s) OR upper(a.gss_code) = upper(%(code)s))),
     cur AS (SELECT m.network_id, m.practice_id FROM memberships m, s
              WHERE m.scenario_id = s.id AND (m.start_date IS NULL OR m.start_date <= s.as_of)
                AND (m.end_date IS NULL OR m.end_date >= s.as_of)),
     reg AS (SELECT r.practice_id, p.ods_code, r.status, r.commissioner_code, pt.geom
               FROM s JOIN practice_register r ON r.extract_id = s.register_extract_id
               JOIN practices p ON p.id = r.practice_id
               LEFT JOIN postcode_points pt
                      ON pt.extract_id = s.location_extract_id AND pt.postcode_key = r.postcode_key
              WHERE r.prescribing_setting = 4 OR r.practice_id IN (SELECT practice_id FROM cur)),
     local_p AS (SELECT reg.practice_id FROM reg, a WHERE ST_Intersects(reg.geom, a.geom)),  -- by location
     nets AS (SELECT n.id, n.code FROM networks n, a, s
               WHERE n.scenario_id = s.id
                 AND (n.lead_commissioner_code = a.ods_code
                      OR n.id IN (SELECT network_id FROM cur WHERE practice_id IN (SELECT practice_id FROM local_p))))
SELECT (SELECT array_agg(code) FROM nets) AS network_codes,
       (SELECT array_agg(reg.ods_code) FROM reg
         WHERE reg.status = 'active' AND reg.geom IS NOT NULL
           AND reg.practice_id IN (SELECT practice_id FROM local_p)) AS practice_codes,
       (SELECT array_agg(reg.ods_code) FROM reg
         WHERE reg.status = 'active' AND reg.geom IS NOT NULL
           AND reg.practice_id NOT IN (SELECT practice_id FROM local_p)
           AND reg.practice_id IN (SELECT practice_id FROM cur WHERE network_id IN (SELECT id FROM nets)))
           AS outside_codes,
       (SELECT count(*) FROM areas n, a
         WHERE n.boundary_set_id = a.boundary_set_id AND n.id <> a.id AND ST_Intersects(n.geom, a.geom)) AS neighbours
"""

HEADLINE = ("cross_boundary_administrative", "cross_boundary_member_location")


def expected_area_counts(db_url: str, scenario: str, boundary_set: str, code: str) -> dict[str, int]:
    db = Database(db_url)
    try:
        with db.connection() as conn, conn.cursor() as cur:
            cur.execute(AREA_SQL, {"bs": boundary_set, "code": code, "scenario": scenario})
            nets, pracs, outside, neighbours = cur.fetchone()
            nets, pracs = set(nets or []), set(pracs or [])
            area_code = code
            nf = analysis_service.network_findings(conn, scenario, boundary_set, area_code)
            pf = analysis_service.practice_findings(conn, scenario, boundary_set, area_code)
    finally:
        db.close()

    def nets_with(pred) -> int:
        return sum(1 for n in nets if pred(nf.get(n, [])))

    counts = {
        "area": 1,
        "neighbours": neighbours,
        "networks": len(nets),
        "practices": len(pracs),
        "orphaned": sum(1 for p in pracs if "orphaned" in pf.get(p, [])),
        "cross_boundary": nets_with(lambda keys: any(k in HEADLINE for k in keys)),
        "empty": nets_with(lambda keys: "empty" in keys),
        "undersized": nets_with(lambda keys: "undersized" in keys),
        "oversized": nets_with(lambda keys: "oversized" in keys),
        "dominated": nets_with(lambda keys: "dominated" in keys),
        "extended_hours_gap": nets_with(lambda keys: "extended_hours_gap" in keys),
    }
    if outside:  # members of the area's networks located elsewhere: their own layer, drawn only when there are any
        counts["members_outside"] = len(outside)
    return counts


def scalar(db_url: str, sql: str, params: dict):
    with psycopg2.connect(db_url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        value = cur.fetchone()[0]
    conn.close()
    return value


# ---- checks every page must pass ----------------------------------------------------------------


def check_clean_page(info: list[dict], watch) -> None:
    assert watch.foreign_requests() == [], watch.foreign_requests()
    assert watch.console_errors == [], watch.console_errors
    assert watch.page_errors == [], watch.page_errors
    assert watch.dialogs == [], watch.dialogs
    for m in info:
        assert m["errors"] == [], m["errors"]
        assert m["drawn"] == m["counts"], dumps(m)  # Leaflet drew what the server sent
        assert m["legend"] == list(m["counts"]), dumps(m)  # the legend lists every layer, in order
        assert m["legendTitles"] == m["controlTitles"], dumps(m)  # ... with the layer control's names


@pytest.fixture(scope="module")
def demo_live(demo_app):
    with LiveServer(demo_app) as live:
        yield live


@pytest.mark.parametrize(
    "name, path",
    [
        ("overview", f"/maps/{REG}"),
        ("area-ZA4-registered", f"/maps/{REG}/areas/ZA4"),
        ("area-ZA2-proposal", f"/maps/{PROP}/areas/ZA2"),
        ("network-UZ0010", f"/maps/{REG}/networks/UZ0010"),
        ("network-UZ0001-proposal", f"/maps/{PROP}/networks/UZ0001"),
        ("compare-ZA3", f"/maps/compare?a={REG}&b={PROP}&area=ZA3"),
    ],
)
def test_demo_pages_load_clean(demo_live, browser_page, artifacts_dir, name, path):
    page, watch = browser_page
    info = open_map(page, demo_live.url + path)
    page.screenshot(path=str(artifacts_dir / f"maps-demo-{name}.png"))
    check_clean_page(info, watch)
    assert info and all(m["counts"] for m in info)


@pytest.mark.parametrize("scenario", [REG, PROP])
@pytest.mark.parametrize("code", ["ZA1", "ZA2", "ZA3", "ZA4"])
def test_demo_area_layers_have_the_expected_features(demo_live, demo_db_url, browser_page, scenario, code):
    page, watch = browser_page
    [info] = open_map(page, f"{demo_live.url}/maps/{scenario}/areas/{code}")
    check_clean_page([info], watch)
    assert info["drawn"] == expected_area_counts(demo_db_url, scenario, "demo-ccg", code)


def test_demo_overview_draws_every_area_and_links_to_it(demo_live, demo_db_url, browser_page):
    page, watch = browser_page
    [info] = open_map(page, f"{demo_live.url}/maps/{REG}")
    areas = scalar(
        demo_db_url,
        "SELECT count(*) FROM areas a JOIN boundary_sets bs ON bs.id = a.boundary_set_id WHERE bs.slug = %(s)s",
        {"s": "demo-ccg"},
    )
    assert info["drawn"] == {"areas": areas}
    check_clean_page([info], watch)
    # Search an area by name and open it: the overview navigates to the area page.
    page.fill(".geo-search__input", "Westhaven")
    page.click(".geo-search__button")
    page.wait_for_url("**/areas/ZA4**")
    open_map(page, page.url)
    assert "NHS Westhaven CCG (synthetic demo) (ZA4)" in page.inner_text("#map-title")


def test_demo_overview_finds_a_practice_and_opens_its_area(demo_live, browser_page):
    page, watch = browser_page
    open_map(page, f"{demo_live.url}/maps/{REG}")
    page.fill(".geo-search__input", "Z00001")
    link = page.wait_for_selector(".geo-search__practice")
    assert "Z00001" in link.inner_text()
    link.click()
    page.wait_for_url("**/areas/ZA1**")
    [info] = open_map(page, page.url)
    check_clean_page([info], watch)


def test_demo_network_page_counts(demo_live, demo_db_url, browser_page):
    page, watch = browser_page
    [info] = open_map(page, f"{demo_live.url}/maps/{REG}/networks/UZ0010")
    members = scalar(
        demo_db_url,
        """SELECT count(*) FROM memberships m JOIN networks n ON n.id = m.network_id
             JOIN scenarios s ON s.id = n.scenario_id
             JOIN practice_register r ON r.practice_id = m.practice_id AND r.extract_id = s.register_extract_id
             JOIN postcode_points pt ON pt.extract_id = s.location_extract_id AND pt.postcode_key = r.postcode_key
            WHERE s.slug = %(s)s AND n.code = 'UZ0010' AND r.status = 'active'
              AND (m.start_date IS NULL OR m.start_date <= s.as_of)
              AND (m.end_date IS NULL OR m.end_date >= s.as_of)""",
        {"s": REG},
    )
    assert info["drawn"]["networks"] == 1 and info["drawn"]["practices"] == members
    assert info["drawn"]["cross_boundary"] == 1
    check_clean_page([info], watch)
    keys = page.eval_on_selector_all("#network-findings li", "lis => lis.map((li) => li.dataset.finding)")
    assert set(HEADLINE) <= set(keys)
    assert "Members lie in more than one area" in page.inner_text("#network-findings")  # the rule's label


def test_demo_compare_marks_moved_practices_on_both_maps(demo_live, browser_page):
    page, watch = browser_page
    left, right = open_map(page, f"{demo_live.url}/maps/compare?a={REG}&b={PROP}&area=ZA3")
    check_clean_page([left, right], watch)
    moved_rows = page.locator("#moved-practices tbody tr").count()
    assert moved_rows >= 1
    assert left["drawn"]["moved"] == right["drawn"]["moved"] == moved_rows
    # The two maps are synchronised: panning the left one moves the right one.
    before = page.evaluate(f"{right['id']}.getCenter()")
    page.evaluate(f"{left['id']}.panBy([200, 0], {{animate: false}})")
    after = page.evaluate(f"{right['id']}.getCenter()")
    assert after["lng"] != pytest.approx(before["lng"], abs=1e-9)


def test_demo_search_by_ods_code_and_postcode_opens_the_popup(demo_live, demo_db_url, browser_page):
    page, watch = browser_page
    open_map(page, f"{demo_live.url}/maps/{REG}/areas/ZA1")
    postcode = scalar(
        demo_db_url,
        """SELECT r.postcode FROM practice_register r JOIN practices p ON p.id = r.practice_id
             JOIN scenarios s ON s.register_extract_id = r.extract_id
            WHERE p.ods_code = 'Z00002' AND s.slug = %(s)s""",
        {"s": REG},
    )
    for query, code in (("Z00002", "Z00002"), (postcode, "Z00002")):
        page.fill(".geo-search__input", query)
        page.wait_for_selector(".geo-search__button")
        page.locator(".geo-search__button", has_text=code).first.click()
        popup = page.wait_for_selector(".leaflet-popup-content")
        assert code in popup.inner_text()
        page.keyboard.press("Escape")
    check_clean_page([], watch)


def test_xss_probe_never_executes_and_shows_as_text(xss_db_url, browser_page, artifacts_dir):
    app = make_app(xss_db_url)
    try:
        with LiveServer(app) as live:
            page, watch = browser_page
            for path in (f"/maps/{REG}/areas/ZA1", f"/maps/{REG}/networks/UZ0001", f"/maps/{REG}"):
                info = open_map(page, live.url + path)
                check_clean_page(info, watch)
                assert page.locator('img[src="x"]').count() == 0
            page.goto(live.url + f"/maps/{REG}/areas/ZA1")
            [info] = open_map(page, page.url)
            assert xss_data.XSS in page.inner_text("#map-title")  # the area name, as text
            assert any(xss_data.XSS in t for t in info["legendTitles"])
            assert any(xss_data.XSS in t for t in info["controlTitles"])
            # Search results and popups show the practice's name literally.
            page.fill(".geo-search__input", "<img")
            button = page.wait_for_selector(".geo-search__button")
            assert xss_data.XSS in button.inner_text()
            page.locator(".geo-search__button", has_text=xss_data.XSS_PRACTICE).first.click()
            popup = page.wait_for_selector(".leaflet-popup-content")
            assert xss_data.XSS in popup.inner_text()
            # Tooltips too: open the practice's tooltip as hovering does.
            tooltip = page.evaluate(
                """(code) => {
                    for (const group of Object.values(GeoMaps.layers).flat()) {
                        for (const layer of group.getLayers()) {
                            if (layer.feature.properties.code === code) {
                                layer.openTooltip();
                                return document.querySelector('.leaflet-tooltip').innerText;
                            }
                        }
                    }
                    return null;
                }""",
                xss_data.XSS_PRACTICE,
            )
            assert tooltip is not None and xss_data.XSS in tooltip
            page.screenshot(path=str(artifacts_dir / "maps-xss-probe.png"))
            assert page.locator('img[src="x"]').count() == 0
            assert watch.dialogs == [] and watch.page_errors == []
    finally:
        app.extensions["geo_db"].close()


# ---- the real England bundles, loaded beside the demo (skips without ../shared/data/real) -------------


@pytest.fixture(scope="module")
def england(all_bundles_server, mixed_db_url):
    """The 2019/20 scenario on its default boundary set (CCG April 2019, 191 areas), in a database that also
    holds the demo and the 2021/22 bundle."""
    return all_bundles_server, mixed_db_url, "epcn-december-2019", "ccg-april-2019"


@pytest.mark.real_data
def test_england_overview(england, browser_page, artifacts_dir):
    live, url, scenario, boundary_set = england
    page, watch = browser_page
    [info] = open_map(page, f"{live.url}/maps/{scenario}", timeout_ms=180_000)  # its default boundary set
    page.screenshot(path=str(artifacts_dir / "maps-england-overview.png"))
    check_clean_page([info], watch)
    assert info["drawn"] == {"areas": 191}
    assert "as of 4 Dec 2019 · register Dec 2019" in page.inner_text("#data-line")
    # The overview's practice search finds real practices only.
    # Wait for the search's own answer (not a fixed time), then for the page to have shown it.
    with page.expect_response(lambda r: "q=synthetic" in r.url) as answer:
        page.fill(".geo-search__input", "synthetic")
    assert answer.value.ok and answer.value.json()["results"] == []
    page.wait_for_selector(".geo-search__empty")  # "No matches": the list was drawn for this search
    assert page.locator(".geo-search__practice").count() == 0


@pytest.mark.real_data
@pytest.mark.parametrize("code", ["99J", "09W"])
def test_england_area_pages(england, browser_page, artifacts_dir, code):
    live, url, scenario, boundary_set = england
    page, watch = browser_page
    [info] = open_map(page, f"{live.url}/maps/{scenario}/areas/{code}", timeout_ms=180_000)
    page.screenshot(path=str(artifacts_dir / f"maps-england-area-{code}.png"))
    check_clean_page([info], watch)
    assert info["drawn"] == expected_area_counts(url, scenario, boundary_set, code)
    assert info["drawn"]["networks"] > 0 and info["drawn"]["practices"] > 0
    assert "boundaries Apr 2019" in page.inner_text("#data-line")
