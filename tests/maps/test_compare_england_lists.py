"""The all-of-England compare page keeps its long lists readable: the populations table lists the networks whose
population changed most (the compare API lists every one), and a long list of renamed networks starts folded."""

from __future__ import annotations

import re

import pytest

from geo_service.maps.compare_page import LIST_FOLDED, NETWORKS_SHOWN, populations_shown
from tests.conftest import make_app
from tests.maps.mixed_data import REAL_2019, REAL_2022


def _row(code: str, change: int) -> dict:
    return {"code": code, "change": change}


def test_an_area_lists_every_network_and_england_the_largest_changes_first():
    rows = [_row(f"U{i:05d}", (i * 37) % 1000 - 500) for i in range(NETWORKS_SHOWN + 50)]
    assert populations_shown(rows, england=False) == rows
    shown = populations_shown(rows, england=True)
    assert len(shown) == NETWORKS_SHOWN
    changes = [abs(r["change"]) for r in shown]
    assert changes == sorted(changes, reverse=True)
    assert min(changes) >= max(abs(r["change"]) for r in rows if r not in shown)
    few = rows[:10]
    assert populations_shown(few, england=True) == few  # a short list keeps its order


@pytest.mark.real_data
def test_england_2019_to_2022_page_caps_populations_and_folds_renamed(all_bundles_db_url):
    app = make_app(all_bundles_db_url)
    try:
        client = app.test_client()
        html = client.get(f"/maps/compare?a={REAL_2019}&b={REAL_2022}").get_data(as_text=True)
        body = client.get(f"/api/v1/scenarios/compare?a={REAL_2019}&b={REAL_2022}").get_json()
    finally:
        app.extensions["geo_db"].close()
    everyone = body["network_population"]
    assert len(everyone) > NETWORKS_SHOWN
    table = html.split('id="network-populations"')[1].split("</table>")[0]
    listed = re.findall(r'<tr data-network="([^"]+)"', table)
    assert listed == [r["code"] for r in populations_shown(everyone, england=True)]
    assert f"The {NETWORKS_SHOWN} of {len(everyone):,} networks whose population changed most" in html
    renamed = body["networks_renamed"]
    assert len(renamed) > LIST_FOLDED
    assert f"Networks renamed ({len(renamed):,})" in html
    folded = html.split('id="networks-renamed-folded"')[1].split("</details>")[0]
    assert folded.count("<li>") == len(renamed)
    assert 'id="area-population"' not in html  # one paragraph per area: a class, not a repeated id
