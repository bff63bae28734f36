"""Issue 19, the findings browser in real Chromium on the real bundles (demo + 2019/20 + 2020/21 + 2021/22):
one click from home's search to England's orphaned practices in April 2022, one click from the scenario's
overview, filters by rule and area (by keyboard), paging, CSV and GeoPackage downloads read back by GDAL with
the filtered count, the map of the filtered set, axe with no serious or critical violation, desktop and phone."""

from __future__ import annotations

import contextlib
import re

import pyogrio
import pytest

from tests.browser.accessibility import blocking, run_axe, summary
from tests.browser.conftest import PageWatch, csp_violations, tab

pytestmark = pytest.mark.real_data

SCEN = "epcn-april-2022"
VIEWPORTS = {"desktop": {"width": 1366, "height": 850}, "phone": {"width": 390, "height": 844}}
LOAD = 180_000


@pytest.fixture(scope="module")
def live(all_bundles_server):  # mixed_db_url is this database
    return all_bundles_server


@pytest.fixture(scope="module")
def app(live):
    return live.app


@pytest.fixture(scope="module")
def api(app):
    client = app.test_client()

    def get(url: str) -> dict:
        resp = client.get(url)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
        return resp.get_json()

    return get


@contextlib.contextmanager
def _page(chromium, viewport: str, request):
    with tab(chromium, VIEWPORTS[viewport], request) as page:  # a kept tab accepts downloads
        page.set_default_timeout(LOAD)
        watch = PageWatch()
        watch.attach(page)
        yield page, watch


@pytest.fixture(params=list(VIEWPORTS))
def walker(request, chromium):
    with _page(chromium, request.param, request) as (page, watch):
        yield page, watch, request.param


@pytest.fixture
def desk(chromium, request):
    with _page(chromium, "desktop", request) as (page, watch):
        yield page, watch


def _clean(page, watch) -> None:
    assert watch.foreign_requests() == [], watch.foreign_requests()
    assert watch.page_errors == [], watch.page_errors
    assert watch.dialogs == [], watch.dialogs
    assert csp_violations(page) == []


def _total(page) -> int:
    return int(page.locator("#findings-total").get_attribute("data-total"))


def _map_drawn(page) -> int:
    page.wait_for_function("() => document.querySelector('#findings-map').hasAttribute('data-drawn')", timeout=LOAD)
    drawn = page.locator("#findings-map").get_attribute("data-drawn")
    assert drawn != "error"
    return int(drawn)


def _click(page, locator) -> None:
    assert locator.count() == 1, locator
    with page.expect_navigation(wait_until="load", timeout=LOAD):
        locator.click()


def test_one_click_from_home_search_to_england_orphans_april_2022(live, walker, api):
    page, watch, viewport = walker
    page.goto(live.url + "/", wait_until="load")
    box = page.locator("#site-search-q")
    box.fill("orphaned")
    with page.expect_navigation(wait_until="load", timeout=LOAD):
        box.press("Enter")
    hit = page.locator(f"#results-finding li[data-scenario='{SCEN}'] a")
    _click(page, hit)  # the one click
    assert re.search(rf"/maps/{SCEN}/findings\?rule=orphaned_practices$", page.url), page.url
    expected = api(f"/api/v1/scenarios/{SCEN}/findings?rule=orphaned_practices&per_page=500")
    total = expected["totals"]["findings"]
    assert total > 50 and _total(page) == total  # England's orphans, more than one page
    rows = page.locator("#findings-table tbody tr")
    assert rows.count() == 50
    assert set(rows.evaluate_all("(rs) => rs.map((r) => r.dataset.finding)")) == {"orphaned"}
    shown = rows.evaluate_all("(rs) => rs.map((r) => r.dataset.code)")
    assert shown == [r["code"] for r in expected["findings"][:50]]
    first = expected["findings"][0]
    first_row = page.locator(f"#findings-table tr[data-code='{first['code']}']")
    assert first["name"] in first_row.inner_text() and first["sentence"] in first_row.inner_text()
    located = sum(1 for r in expected["findings"] if r["lon"] is not None)
    assert _map_drawn(page) == located > 0
    if viewport == "phone":
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")
    _clean(page, watch)


def test_one_click_from_home_headline_number(live, desk, api):
    """Home's headline numbers (navigation/home.py, index.html) link here: one click on England April 2022's
    orphans opens this list."""
    page, watch = desk
    page.goto(live.url + "/", wait_until="load")
    link = page.locator(f"tr[data-scenario='{SCEN}'] .headline-findings li[data-key='orphaned_practices'] a")
    assert link.count() == 1, "home's orphan count for April 2022 is a link"
    _click(page, link.first)
    assert f"/maps/{SCEN}/findings?" in page.url and "orphaned" in page.url
    expected = api(f"/api/v1/scenarios/{SCEN}/findings?rule=orphaned_practices")
    assert _total(page) == expected["totals"]["findings"] > 50
    _clean(page, watch)


def test_one_click_from_the_scenario_overview_then_filter_by_rule_with_the_keyboard(live, desk):
    page, watch = desk
    page.goto(live.url + "/", wait_until="load")
    _click(page, page.locator(f"tr[data-scenario='{SCEN}'] a.overview-link"))
    _click(page, page.locator("#overview-findings-list"))
    assert page.url.endswith(f"/maps/{SCEN}/findings")
    headline = _total(page)
    orphans = int(page.locator("#counts-rules li[data-rule='orphaned_practices']").get_attribute("data-count"))
    assert 0 < orphans < headline
    page.locator("#filter-rule").focus()
    page.keyboard.press("ArrowDown")  # the option after "Every rule of the tier": orphaned practices
    assert page.locator("#filter-rule").input_value() == "orphaned_practices"
    page.locator("#filter-apply").focus()
    with page.expect_navigation(wait_until="load", timeout=LOAD):
        page.keyboard.press("Enter")
    assert "rule=orphaned_practices" in page.url and _total(page) == orphans
    _clean(page, watch)


def test_filter_by_area_then_page_and_download(live, desk, api, tmp_path):
    page, watch = desk
    page.goto(f"{live.url}/maps/{SCEN}/findings?rule=orphaned", wait_until="load")
    top = page.locator("#counts-areas li[data-area]").first
    code, count = top.get_attribute("data-area"), int(top.get_attribute("data-count"))
    assert count > 1
    page.locator("#filter-area").select_option(code)
    page.locator("#filter-per-page").select_option("25")
    with page.expect_navigation(wait_until="load", timeout=LOAD):
        page.locator("#filter-apply").click()
    assert f"area={code}" in page.url and _total(page) == count
    expected = api(f"/api/v1/scenarios/{SCEN}/findings?rule=orphaned&area={code}&per_page=500")
    assert expected["totals"]["findings"] == count
    assert code in page.locator("#findings-title").inner_text()
    codes = page.locator("#findings-table tbody tr").evaluate_all("(rs) => rs.map((r) => r.dataset.code)")
    assert len(codes) == min(25, count) and set(codes) <= {r["code"] for r in expected["findings"]}
    for kind, layer in (("csv", None), ("gpkg", "findings")):
        with page.expect_download(timeout=LOAD) as got:
            page.locator(f"#download-{kind}").click()
        path = tmp_path / got.value.suggested_filename
        got.value.save_as(path)
        assert path.suffix == f".{kind}"
        info = pyogrio.read_info(path, layer=layer) if layer else pyogrio.read_info(path)
        assert info["features"] == count, (kind, info["features"], count)
        frame = pyogrio.read_dataframe(path, layer=layer) if layer else pyogrio.read_dataframe(path)
        assert sorted(frame["code"]) == sorted(r["code"] for r in expected["findings"])
    _clean(page, watch)


def test_paging_through_england_headline_findings(live, desk, api):
    page, watch = desk
    page.goto(f"{live.url}/maps/{SCEN}/findings", wait_until="load")
    total = _total(page)
    assert total > 100
    first = page.locator("#findings-table tbody tr").evaluate_all(
        "(rs) => rs.map((r) => r.dataset.code + r.dataset.finding)"
    )
    _click(page, page.locator("#page-next"))
    assert "page=2" in page.url
    second = page.locator("#findings-table tbody tr").evaluate_all(
        "(rs) => rs.map((r) => r.dataset.code + r.dataset.finding)"
    )
    assert len(first) == len(second) == 50 and not set(first) & set(second)
    assert page.locator("#findings-pages [aria-current=page]").inner_text() == "2"
    body = api(f"/api/v1/scenarios/{SCEN}/findings?page=2")
    assert second == [r["code"] + r["finding"] for r in body["findings"]]
    _click(page, page.locator("#page-prev"))
    assert page.locator("#findings-pages [aria-current=page]").inner_text() == "1"
    _clean(page, watch)


def test_axe_finds_no_serious_or_critical_violation(live, walker):
    page, watch, _ = walker
    for query in ("?rule=orphaned", "?tier=detail&sort=-value", "?rule=cross_boundary_networks&area=91Q"):
        page.goto(f"{live.url}/maps/{SCEN}/findings{query}", wait_until="load")
        _map_drawn(page)
        bad = blocking(run_axe(page))
        assert not bad, f"{query}:\n" + summary(bad)
    _clean(page, watch)
