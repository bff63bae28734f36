"""Issue 11: the area map, its panel, the checks API, the CSV and the print give the same counts for one scope.

West Kent CCG (99J) in England 2019/20 on the CCG April 2019 boundaries: the issue saw the map say 9 networks,
0 undersized, 1 dominated against the checks' 16, 2, 3, and 52 practices on the map against 54 in the print.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from geo_service.maps import views
from geo_service.scope import resolve_scope
from tests.conftest import make_app
from tests.exports.print_flow import fetch_print

SCENARIO, BS, AREA = "epcn-december-2019", "ccg-april-2019", "99J"


@pytest.fixture(scope="module")
def app(england_2019_db_url):
    app = make_app(england_2019_db_url)
    yield app
    app.extensions["geo_db"].close()


def _panel_counts(page: str) -> dict[str, int]:
    tag = re.search(r'<section class="geo-panel" id="area-panel"[^>]*>', page).group(0)
    return {k: int(v) for k, v in re.findall(r'data-(\w+)="(\d+)"', tag)}


def test_map_panel_api_csv_and_print_agree(app):
    import pypdf

    client = app.test_client()
    q = f"area={AREA}&boundary_set={BS}"
    api = client.get(f"/api/v1/scenarios/{SCENARIO}/checks?{q}")
    assert api.status_code == 200, api.get_data(as_text=True)[:300]
    s = api.get_json()["summary"]
    expected = {
        "networks": s["networks"],
        "practices": s["practices"],
        "undersized": s["undersized_networks"],
        "oversized": s["oversized_networks"],
        "dominated": s["dominated_networks"],
        "orphaned": s["orphaned_practices"],
    }
    assert expected["networks"] > 5 and expected["practices"] > 40  # a real area, not an empty scope

    # 1. The map: its layers' features (what the browser draws).
    with app.app_context():
        db = app.extensions["geo_db"]
        with db.connection() as conn:
            scope = resolve_scope(conn, SCENARIO, BS, area=AREA)
            view = views.area_view(conn, scope, views.Links())
    layer = {x.key: x for x in view.layers}
    drawn_networks = {f["properties"]["code"] for f in layer["networks"].features}
    assert len(drawn_networks) + len(view.extra["not_drawn"]) == expected["networks"]
    for key in ("undersized", "oversized", "dominated", "orphaned"):
        assert layer[key].count == expected[key], key
    unlocated = sum(1 for keys in view.extra["summary"].practice_findings.values() if "no_location" in keys)
    assert layer["practices"].count + unlocated >= expected["practices"] >= layer["practices"].count

    # 2. The panel on the page.
    page = client.get(f"/maps/{SCENARIO}/areas/{AREA}?boundary_set={BS}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    panel = _panel_counts(text)
    assert {k: panel[k] for k in expected} == expected
    assert len(re.findall(r'<li class="geo-panel__row', text)) == expected["networks"]

    # 3. The CSV: one row per finding, distinct codes per finding.
    body = client.get(f"/api/v1/scenarios/{SCENARIO}/checks.csv?{q}").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    for key in ("undersized", "oversized", "dominated", "orphaned"):
        assert len({r["code"] for r in rows if r["finding"] == key}) == expected[key], key

    # 4. The print: its findings summary line names the same counts.
    pdf = fetch_print(client, f"/api/v1/scenarios/{SCENARIO}/areas/{AREA}/print.pdf?boundary_set={BS}")
    assert pdf.status_code == 200, pdf.get_data(as_text=True)[:300]
    sheet = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    sheet = re.sub(r"\s+", " ", sheet)
    assert f"{expected['networks']} networks · {expected['practices']} practices in the area" in sheet, sheet[:600]
