"""Issue 25 in real Chromium: on West Kent's area map (2019/20), choosing "Deprivation" redraws the networks and
practices in the legend's classes (viridis, colour-blind safe) with a legend naming the classes, "No data" and the
source file; the area panel shows the area's profile with sources; axe finds no serious or critical violation on
the page and nothing to review in the parts this feature adds; back to "Network" restores the network colours."""

from __future__ import annotations

import pytest

from tests.browser.accessibility import blocking, inject_axe, run_axe, summary
from tests.browser.conftest import PageWatch, csp_violations, tab

pytestmark = pytest.mark.real_data

SCENARIO, BS, AREA = "epcn-december-2019", "ccg-april-2019", "99J"
LOAD = 180_000

FILLS = """(key) => {
  const out = [];
  for (const name of Object.keys(GeoMaps.layers)) {
    for (const g of GeoMaps.layers[name]) {
      if (g._geoSpec.key !== key) continue;
      g.eachLayer((l) => { if (l.feature) out.push([l.feature.properties.code, l.options.fillColor,
                                                     (l.feature.properties.pr || {}).deprivation ?? null]); });
    }
  }
  return out;
}"""


@pytest.fixture(scope="module")
def live(england_2019_server):
    return england_2019_server


@pytest.fixture
def page(chromium, request):
    with tab(chromium, {"width": 1366, "height": 900}, request) as pg:
        pg.set_default_timeout(LOAD)
        watch = PageWatch()
        watch.attach(pg)
        yield pg, watch


def test_colour_by_deprivation_redraws_with_a_legend(live, page):
    pg, watch = page
    pg.goto(f"{live.url}/maps/{SCENARIO}/areas/{AREA}?boundary_set={BS}", wait_until="load")
    pg.wait_for_function("() => window.GeoMaps && GeoMaps.isReady()", timeout=LOAD)
    before = {code: fill for code, fill, _ in pg.evaluate(FILLS, "networks")}
    assert len(before) > 5
    assert pg.locator("#colour-legend").is_hidden()

    pg.get_by_label("Deprivation", exact=True).check()
    pg.wait_for_function(
        "() => document.querySelector('#colour-legend').dataset.measure === 'deprivation'"
        " && document.querySelector('[data-colour-by=\"deprivation\"]') !== null",
        timeout=LOAD,
    )
    legend = pg.locator("#colour-legend")
    assert legend.is_visible()
    text = legend.inner_text()
    for words in ("Deprivation (IMD 2019 score", "under 10", "10 to under 15", "30 and over", "No data"):
        assert words in text, text
    assert (
        "Source: IMD 2019 score of registered patients (Fingertips 93553): practice_imd2019_fingertips_93553.csv"
        in (text)
    )
    classes = legend.locator("li[data-colour]").evaluate_all("(ls) => ls.map((l) => l.dataset.colour)")
    no_data = classes[-1]
    after = pg.evaluate(FILLS, "networks")
    # Every network shape is now filled in one of the legend's classes; scored ones in a class, others "No data".
    assert {fill for _, fill, _ in after} <= set(classes)
    for code, fill, score in after:
        assert (fill == no_data) == (score is None), (code, fill, score)
        if score is not None:
            expected = next(
                c for c, hi in zip(classes, [10, 15, 20, 30, None], strict=False) if hi is None or score < hi
            )
            assert fill == expected, (code, score, fill)
    assert len({fill for _, fill, _ in after}) >= 2
    assert {code: fill for code, fill, _ in after} != before
    practices = pg.evaluate(FILLS, "practices")
    assert practices and {fill for _, fill, _ in practices} <= set(classes)

    # The area's profile in the panel, each figure with its source.
    prof = pg.locator("#area-profile-table")
    assert (
        "nhs-payments-to-general-practice_2019-20.csv"
        in prof.locator('tr[data-figure="weighted_patients"]').inner_text()
    )
    assert "practice_imd2019_fingertips_93553.csv" in prof.locator('tr[data-figure="deprivation"]').inner_text()

    bad = blocking(run_axe(pg))
    assert not bad, summary(bad)
    inject_axe(pg)
    review = pg.evaluate(
        """async () => {
            const r = await axe.run({include: [['#colour-by'], ['#area-profile']]},
                                    {resultTypes: ['violations', 'incomplete']});
            return r.violations.concat(r.incomplete).map((v) => v.id + ': ' + v.help);
        }"""
    )
    assert review == [], review

    # Payments per patient: no network was paid in 2019/20, so the legend says it is not judged and all is no data.
    pg.get_by_label("Payments per patient", exact=True).check()
    pg.wait_for_function("() => document.querySelector('#colour-legend').dataset.measure === 'payments_per_registered'")
    assert "Not judged: No network payments were made that year" in legend.inner_text()
    assert {fill for _, fill, _ in pg.evaluate(FILLS, "networks")} == {no_data}

    pg.get_by_label("Network (each its own colour)").check()
    pg.wait_for_function("() => document.querySelector('#colour-legend').dataset.measure === ''")
    assert {code: fill for code, fill, _ in pg.evaluate(FILLS, "networks")} == before
    assert watch.page_errors == [] and watch.foreign_requests() == []
    assert csp_violations(pg) == []


def test_overview_colour_by_deprivation_redraws_the_areas(live, page):
    pg, watch = page
    pg.goto(f"{live.url}/maps/{SCENARIO}?boundary_set={BS}", wait_until="load")
    pg.wait_for_function("() => window.GeoMaps && GeoMaps.isReady()", timeout=LOAD)
    before = {code: fill for code, fill, _ in pg.evaluate(FILLS, "areas")}
    assert len(before) > 150
    pg.get_by_label("Deprivation", exact=True).check()
    pg.wait_for_function("() => document.querySelector('[data-colour-by=\"deprivation\"]') !== null", timeout=LOAD)
    legend = pg.locator("#colour-legend")
    classes = legend.locator("li[data-colour]").evaluate_all("(ls) => ls.map((l) => l.dataset.colour)")
    after = pg.evaluate(FILLS, "areas")
    assert {fill for _, fill, _ in after} <= set(classes)
    assert len({fill for _, fill, _ in after}) >= 3
    assert "practice_imd2019_fingertips_93553.csv" in legend.inner_text()
    # The default choice says what the overview shows without a measure.
    assert pg.get_by_label("Number of findings", exact=True).count() == 1
    bad = blocking(run_axe(pg))
    assert not bad, summary(bad)
    assert watch.page_errors == []
