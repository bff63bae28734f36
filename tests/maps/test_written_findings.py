"""Findings written for people on the area map (issue 11): popups carry the sentences of analysis.wording (the
``d`` property maps.js shows), the panel carries the population chart, and none shows a Python repr."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import make_app

SCENARIO, BS, AREA = "epcn-april-2022", "icb-july-2022", "QKS"
REPRS = ("['", "{'", "None", "True", "False")


@pytest.fixture(scope="module")
def page(england_2022_db_url):
    app = make_app(england_2022_db_url)
    resp = app.test_client().get(f"/maps/{SCENARIO}/areas/{AREA}?boundary_set={BS}")
    app.extensions["geo_db"].close()
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _sentences(html: str) -> dict[str, list[str]]:
    """code -> the popup sentences of every feature in the page's inline GeoJSON."""
    out: dict[str, list[str]] = {}
    for m in re.finditer(r'"code":\s*"([^"]+)"', html):
        tail = html[m.end() : m.end() + 40_000]
        d = re.match(r'[^{}]*?"d":\s*(\[.*?\])\s*[,}]', tail, re.S)
        if d:
            out[m.group(1)] = json.loads(d.group(1))
    return out


def test_area_popups_carry_written_findings(page):
    said = _sentences(page)
    networks = {c: s for c, s in said.items() if c.startswith("U")}
    practices = {c: s for c, s in said.items() if not c.startswith("U")}
    assert len(networks) >= 10 and practices, (len(networks), len(practices))
    texts = [t for s in said.values() for t in s]
    for t in texts:
        assert not any(r in t for r in REPRS), t
    # Formatted numbers and thresholds in the sentences: "58,547 patients, over the 50,000 maximum", "53.1 %".
    assert any(re.search(r"\d{1,3}(,\d{3})+ patients, over the 50,000 maximum", t) for t in texts)
    assert any(re.search(r"under the 30,000 minimum|below the 30,000", t) for t in texts), texts[:5]
    assert any(re.search(r"\d+\.\d %", t) for t in texts)
    # At most three sentences per popup; the last says where the rest are.
    assert all(len(s) <= 3 for s in said.values())
    assert any(s[-1].endswith("more findings on the network page.") for s in networks.values())


def test_area_panel_carries_the_population_chart(page):
    chart = re.search(r'<figure class="geo-panel__chart" id="area-chart">(.*?)</figure>', page, re.S)
    assert chart and "<svg" in chart.group(1)
    assert "30,000" in chart.group(1) and "50,000" in chart.group(1)
    panel = re.search(r'<section class="geo-panel" id="area-panel".*?</section>', page, re.S).group(0)
    text = re.sub(r"<[^>]+>", " ", panel)
    for r in REPRS:
        assert r not in text, r
    # The panel's script is part of maps.js now (one request fewer per area page).
    assert "area_panel.js" not in page
