"""Caches per scenario (issue 19): editing a private plan leaves the public scenarios' ETags and kept pages as
they were (checks API, map layers, map pages, embeds), and changes the edited plan's own; an import (data every
scenario reads) still changes everyone's."""

from __future__ import annotations

import psycopg2
import pytest

from geo_service.web.routes import maps as maps_routes
from tests.plans.conftest import Api, read_cursor

PUBLIC = "demo-as-registered"
SOURCE = "demo-commissioner-proposal"


@pytest.fixture(scope="module")
def plan(plans_app, tokens):
    api = Api(plans_app.test_client(), tokens["ed"])
    resp = api.send("POST", "/api/v1/plans", {"name": "Cache test draft", "copy_from": SOURCE})
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["visibility"] == "private"
    return body


def _public_urls() -> dict[str, str]:
    return {
        "checks": f"/api/v1/scenarios/{PUBLIC}/checks",
        "checks summary": f"/api/v1/scenarios/{PUBLIC}/checks?detail=summary",
        "checks csv": f"/api/v1/scenarios/{PUBLIC}/checks.csv",
        "network": f"/api/v1/scenarios/{PUBLIC}/networks/UZ0001",
        "overview layer": f"/api/v1/maps/{PUBLIC}/areas.geojson",
        "area layer": f"/api/v1/maps/{PUBLIC}/areas/ZA4/layers/cross_boundary.geojson",
        "embed": f"/embed/{PUBLIC}/areas/ZA2",
    }


def _etags(client, urls: dict[str, str], headers: dict | None = None) -> dict[str, str]:
    out = {}
    for name, url in urls.items():
        resp = client.get(url, headers=headers or {})
        assert resp.status_code == 200, (name, resp.status_code)
        assert resp.headers.get("ETag"), name
        out[name] = resp.headers["ETag"]
    return out


def _version(url: str) -> int:
    with read_cursor(url) as cur:
        cur.execute("SELECT version FROM data_version")
        return cur.fetchone()[0]


def test_a_private_edit_keeps_public_etags_and_changes_its_own(client, plan, tokens, plans_db_url):
    slug = plan["slug"]
    ed = Api(client, tokens["ed"])
    own = {
        "checks": f"/api/v1/scenarios/{slug}/checks",
        "layer": f"/api/v1/maps/{slug}/areas/ZA4/layers/cross_boundary.geojson",
    }
    auth = {"Authorization": f"Bearer {tokens['ed']}"}
    before = _etags(client, _public_urls())
    own_before = _etags(client, own, auth)
    # The public area map page is rendered once and kept.
    page_url = f"/maps/{PUBLIC}/areas/ZA4"
    assert client.get(page_url).status_code == 200
    kept_pages = len(maps_routes._pages._items)
    version_before = _version(plans_db_url[0])

    ed.get(f"/api/v1/plans/{slug}")
    r = ed.send("POST", f"/api/v1/plans/{slug}/edits/assign", {"network": "UZ0001", "practices": ["Z00009"]})
    assert r.status_code == 200, r.get_json()
    assert _version(plans_db_url[0]) > version_before  # the edit is a change of data

    after = _etags(client, _public_urls())
    assert after == before  # every public ETag unchanged
    for name, url in _public_urls().items():
        assert client.get(url, headers={"If-None-Match": before[name]}).status_code == 304, name
    assert client.get(page_url).status_code == 200
    assert len(maps_routes._pages._items) == kept_pages  # served from the kept page, not rendered again
    own_after = _etags(client, own, auth)
    assert own_after["checks"] != own_before["checks"]
    assert own_after["layer"] != own_before["layer"]


def test_an_import_changes_every_scenarios_etags(client, plans_db_url):
    before = _etags(client, _public_urls())
    with psycopg2.connect(plans_db_url[0]) as conn, conn.cursor() as cur:
        # A change of data every scenario reads (a practice's register fact).
        cur.execute(
            "UPDATE practice_register SET name = name || ' ' WHERE practice_id = (SELECT min(id) FROM practices)"
        )
        assert cur.rowcount >= 1
    after = _etags(client, _public_urls())
    assert all(after[name] != before[name] for name in before), (before, after)
