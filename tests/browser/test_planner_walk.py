"""Issue 11, navigation: a planner's walk in real Chromium, desktop 1366×850 and phone 390×844, on the real
bundles (demo + 2019/20 + 2020/21 + 2021/22). Only clicks and the search box: no typed URLs after ``/``."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PageWatch, tab
from tests.browser.maps_helpers import open_map

pytestmark = pytest.mark.real_data

VIEWPORTS = {"desktop": {"width": 1366, "height": 850}, "phone": {"width": 390, "height": 844}}
LOAD = 180_000


@pytest.fixture(scope="module")
def live(all_bundles_server):
    return all_bundles_server


@pytest.fixture(params=list(VIEWPORTS))
def walker(request, chromium):
    with tab(chromium, VIEWPORTS[request.param], request) as page:
        page.set_default_timeout(LOAD)
        watch = PageWatch()
        watch.attach(page)
        yield page, watch, request.param


def _wait_map(page) -> list[dict]:
    page.wait_for_function("() => window.GeoMaps && GeoMaps.isReady()", timeout=LOAD)
    return page.evaluate("() => Array.from(document.querySelectorAll('.folium-map')).map((m) => m.id)")


def _clean(watch) -> None:
    assert watch.foreign_requests() == [], watch.foreign_requests()
    assert watch.page_errors == [], watch.page_errors
    assert watch.dialogs == [], watch.dialogs


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth + 1")


def _search(page, text: str) -> None:
    box = page.locator("#site-search-q")
    box.fill(text)
    box.press("Enter")
    page.wait_for_load_state("load")


def _open_compare_from_area(page) -> None:
    link = page.locator("#compare-link")
    assert link.count() == 1
    with page.expect_navigation(wait_until="load", timeout=LOAD):
        link.click()
    ids = _wait_map(page)
    assert len(ids) == 2  # both sides drawn
    assert "/maps/compare?" in page.url
    assert page.locator("#breadcrumbs [aria-current=page]").inner_text().startswith("Compare with ")


def test_walk_by_clicking_to_west_kent_2019_then_compare(live, walker):
    page, watch, _ = walker
    page.goto(live.url + "/", wait_until="load")
    _no_sideways_scroll(page)
    page.locator("#boundary-set-ccg-april-2019 summary").click()
    with page.expect_navigation(wait_until="load", timeout=LOAD):
        page.locator("#boundary-set-ccg-april-2019 a.area-link", has_text="NHS West Kent CCG").click()
    _wait_map(page)
    assert page.url.endswith("/maps/epcn-december-2019/areas/99J")
    assert page.locator("#map-title").inner_text() == "NHS West Kent CCG (99J)"
    crumbs = page.locator("#breadcrumbs li").all_inner_texts()
    assert crumbs == ["Home", "ePCN December 2019", "CCG April 2019", "NHS West Kent CCG (99J)"]
    _open_compare_from_area(page)
    _clean(watch)


def test_walk_by_clicking_to_kent_and_medway_icb_2022_then_compare(live, walker):
    page, watch, _ = walker
    page.goto(live.url + "/", wait_until="load")
    page.locator("#boundary-set-icb-july-2022 summary").click()
    with page.expect_navigation(wait_until="load", timeout=LOAD):
        page.locator(
            "#boundary-set-icb-july-2022 a.area-link", has_text="NHS Kent and Medway Integrated Care Board"
        ).click()
    _wait_map(page)
    assert re.search(r"/maps/epcn-april-2022/areas/QKS\?boundary_set=icb-july-2022$", page.url)
    assert "ICB July 2022" in page.locator("#map-meta").inner_text()
    _open_compare_from_area(page)
    _clean(watch)


def test_walk_by_searching_to_west_kent_and_to_kent_and_medway(live, walker):
    page, watch, viewport = walker
    page.goto(live.url + "/", wait_until="load")
    _search(page, "west kent")
    _wait_map(page)
    assert page.url.endswith("/maps/epcn-december-2019/areas/99J")
    # From the 2019 map, the ICB of 2022 by searching only: a results page grouped by kind, with context.
    _search(page, "Kent and Medway")
    assert "/search?" in page.url
    hit = page.locator('#results-area li[data-code="QKS"]')
    assert "ICB July 2022" in hit.inner_text() and "ePCN April 2022" in hit.inner_text()
    with page.expect_navigation(wait_until="load", timeout=LOAD):
        hit.locator("a").click()
    _wait_map(page)
    assert page.locator("#map-title").inner_text() == "NHS Kent and Medway Integrated Care Board (QKS)"
    if viewport == "phone":
        _no_sideways_scroll(page)
    _open_compare_from_area(page)
    _clean(watch)


def test_switchers_work_by_keyboard_and_the_icb_overview_shows_findings(live, walker):
    page, watch, _ = walker
    page.goto(live.url + "/", wait_until="load")
    with page.expect_navigation(wait_until="load", timeout=LOAD):
        page.locator('tr[data-scenario="epcn-april-2022"] a.scenario-link').click()
    _wait_map(page)
    select = page.locator("#switch-boundary-set")
    select.focus()
    select.select_option("icb-july-2022")
    button = page.locator("#boundary-set-switcher button")
    button.focus()
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    with page.expect_navigation(wait_until="load", timeout=LOAD):
        page.keyboard.press("Enter")
    [info] = open_map(page, page.url, timeout_ms=LOAD)
    assert page.url.endswith("/maps/epcn-april-2022?boundary_set=icb-july-2022")
    assert info["drawn"].get("areas") == 42
    counts = page.evaluate(
        """() => {
            const layer = (GeoMaps.layers[document.querySelector('.folium-map').id] || [])
                .find((g) => g._geoSpec.key === 'areas');
            return layer.getLayers().map((l) => [l.feature.properties.code, l.feature.properties.n]);
        }"""
    )
    per_area = dict(counts)
    assert per_area["QKS"] > 0 and sum(1 for n in per_area.values() if n > 0) >= 40
    _clean(watch)


def test_lower_case_code_redirects_and_unknown_code_offers_did_you_mean(live, walker):
    page, watch, _ = walker
    page.goto(live.url + "/", wait_until="load")
    # The one typed URL of this suite: what a planner pastes from an email with the code in lower case.
    page.goto(live.url + "/maps/epcn-december-2019/areas/99j", wait_until="load")
    assert page.url.endswith("/maps/epcn-december-2019/areas/99J")
    page.goto(live.url + "/maps/epcn-december-2019/areas/99X", wait_until="load")
    suggestion = page.locator("#did-you-mean a").first
    assert suggestion.count() == 1
    with page.expect_navigation(wait_until="load", timeout=LOAD):
        suggestion.click()
    _wait_map(page)
    assert re.search(r"/maps/epcn-december-2019/areas/[0-9A-Z]+$", page.url)
    _clean(watch)
