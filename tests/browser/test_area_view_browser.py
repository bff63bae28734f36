"""The area view in real Chromium (issue 11): panel, labels, legend, colours, phone folding, panel → map focus.

West Kent CCG on England 2019/20 data, at desktop 1366×850 and phone 390×844.
"""

from __future__ import annotations

import itertools

import pytest
from shapely.geometry import shape

from tests.browser.conftest import tab
from tests.browser.maps_helpers import open_map

URL = "/maps/epcn-december-2019/areas/99J?boundary_set=ccg-april-2019"
VIEWPORTS = {"desktop": {"width": 1366, "height": 850}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def server(england_2019_server):
    return england_2019_server


@pytest.fixture(params=list(VIEWPORTS))
def page(request, chromium):
    with tab(chromium, VIEWPORTS[request.param], request) as page:
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.viewport_name = request.param
        page.errors = errors
        yield page


READ = """() => {
  const m = document.querySelector('#map-frame .folium-map');
  const group = (GeoMaps.layers[m.id] || []).find((g) => g._geoSpec.key === 'networks');
  const mapBox = m.getBoundingClientRect();
  const controls = Array.from(m.querySelectorAll('.geo-legend, .geo-search, .leaflet-control-layers'))
    .map((c) => c.getBoundingClientRect()).map((r) => r.width * r.height);
  return {
    features: group.toGeoJSON().features.map((f) => ({code: f.properties.code, c: f.properties.c, g: f.geometry})),
    labels: Array.from(document.querySelectorAll('.geo-label[data-placed="true"]')).map((l) => l.textContent),
    rows: document.querySelectorAll('#area-networks .geo-panel__row').length,
    legendOpen: m.querySelector('.geo-legend').open,
    searchOpen: m.querySelector('.geo-search').open,
    layersExpanded: !!m.querySelector('.leaflet-control-layers-expanded'),
    legendItems: m.querySelectorAll('[data-legend-layer]').length,
    coverage: controls.reduce((a, b) => a + b, 0) / (mapBox.width * mapBox.height),
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: window.innerWidth,
  };
}"""


def test_area_view(server, page):
    maps = open_map(page, server.url + URL)
    assert not maps[0]["errors"]
    # The names are placed once the map has settled (maps.js marks each label data-placed true or false).
    page.wait_for_function("() => document.querySelector('.geo-label[data-placed]') !== null")
    seen = page.evaluate(READ)
    # The panel lists every network the map draws.
    assert seen["rows"] >= len(seen["features"]) > 5
    # Names on the map, placed without overlap (some may be hidden where dense).
    assert seen["labels"], "no network name placed on the map"
    boxes = page.evaluate(
        """() => Array.from(document.querySelectorAll('.geo-label[data-placed="true"] .geo-label__text'))
              .map((e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })"""
    )
    for a, b in itertools.combinations(boxes, 2):
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], f"labels overlap: {a} {b}"
    # Touching networks never share a colour (adjacency by shapely on the page's own layer data).
    shapes = [(f["code"], shape(f["g"]).buffer(0), f["c"]) for f in seen["features"]]
    touching = [(a, b) for a, b in itertools.combinations(shapes, 2) if a[1].intersects(b[1])]
    assert touching
    for (ca, _, colour_a), (cb, _, colour_b) in touching:
        assert colour_a != colour_b, f"{ca} and {cb} touch and share {colour_a}"
    assert seen["legendItems"] >= 4
    # No sideways scroll.
    assert seen["scrollWidth"] <= seen["innerWidth"], (seen["scrollWidth"], seen["innerWidth"])
    if page.viewport_name == "phone":
        assert not seen["legendOpen"] and not seen["searchOpen"] and not seen["layersExpanded"]
    else:
        assert seen["coverage"] < 0.25, f"controls cover {seen['coverage']:.0%} of the map"
    # Clicking a panel row focuses its network on the map and opens its popup.
    first = page.locator("#area-networks .geo-panel__focus:not([disabled])").first
    name = first.locator(".geo-panel__name").text_content()
    first.click()
    page.wait_for_selector(".leaflet-popup", timeout=10_000)
    assert name in page.locator(".leaflet-popup").text_content()
    assert page.get_attribute("#area-panel", "data-focused")
    assert not page.errors, page.errors
