"""The area map's side panel (issue 11): every network with its population bar, members, largest share, flags."""

from __future__ import annotations

import re

import pytest

from tests.conftest import make_app

SCENARIO, BS = "epcn-december-2019", "ccg-april-2019"


@pytest.fixture(scope="module")
def client(england_2019_db_url):
    app = make_app(england_2019_db_url)
    yield app.test_client()
    app.extensions["geo_db"].close()


def _rows(page: str) -> list[str]:
    return re.findall(r'<li class="geo-panel__row.*?</li>\s*(?=<li class="geo-panel__row|</ol>)', page, re.S)


def test_panel_lists_every_network_with_thresholds_and_flags(client):
    checks = client.get(f"/api/v1/scenarios/{SCENARIO}/checks?area=99J&boundary_set={BS}").get_json()
    page = client.get(f"/maps/{SCENARIO}/areas/99J?boundary_set={BS}").get_data(as_text=True)
    rows = _rows(page)
    assert len(rows) == checks["summary"]["networks"]
    # Thresholds drawn and written.
    assert "30,000" in page and "50,000" in page and "50.0 %" in page
    assert "geo-panel__band" in page
    oversized = {i["code"] for i in checks["items"]["size_band"] if i["finding"] == "oversized"}
    dominated = {i["code"]: i for i in checks["items"]["dominance"]}
    for row in rows:
        code = re.search(r'data-network="([^"]+)"', row).group(1)
        flags = re.search(r'data-flags="([^"]*)"', row).group(1).split()
        assert ("oversized" in flags) == (code in oversized), code
        assert ("dominated" in flags) == (code in dominated), code
        if code in oversized:
            assert "▲" in row and "Above 50,000" in row  # symbol and text, never colour alone
        if code in dominated:
            share = float(dominated[code]["largest_share"]) * 100
            assert f"Largest member {share:.1f} %" in row
        assert re.search(r"\d[\d,]* patients · \d+ members? · largest", row), row
        assert f"/maps/{SCENARIO}/networks/{code}" in row  # its network page
    # The text summary of the map (WCAG): counts in words.
    summary = re.search(r'<div class="geo-panel__summary".*?</div>', page, re.S).group(0)
    assert f"has {checks['summary']['networks']} networks" in summary
    assert f"{checks['summary']['practices']} practices in the area" in summary


def test_panel_is_ordered_by_population_and_escapes_names(client):
    page = client.get(f"/maps/{SCENARIO}/areas/99J?boundary_set={BS}").get_data(as_text=True)
    pops = [int(p) for p in re.findall(r'data-population="(\d+)"', page)]
    assert pops == sorted(pops, reverse=True) and pops
    names = re.findall(r'<span class="geo-panel__name">([^<]*)</span>', page)
    assert names and all("<" not in n for n in names)
