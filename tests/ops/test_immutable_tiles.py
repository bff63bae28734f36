"""Immutable, versioned vector tile URLs for a CDN (issue 26): the TileJSON names ``?v=<pin>`` tile URLs, which
answer with a year-long immutable ``Cache-Control``; after an edit the old pin redirects (302, no body) to the new
one; a bad pin is a 400 naming ``v``. (Pinned embeds: ``tests/embeds/test_embed_routes.py``.)"""

from __future__ import annotations

from tests.access.conftest import build_access_db
from tests.conftest import make_app

COLLECTION = "demo-as-registered-networks"
TILE = f"/ogc/collections/{COLLECTION}/tiles/WebMercatorQuad/0/0/0"


def _pinned_tile(client) -> str:
    doc = client.get(f"/ogc/collections/{COLLECTION}/tiles.json")
    assert doc.status_code == 200 and doc.headers["Cache-Control"] == "no-cache"
    template = doc.get_json()["tiles"][0]
    assert "{z}/{x}/{y}?v=" in template
    return "/ogc" + template.replace("{z}/{x}/{y}", "0/0/0").split("/ogc", 1)[1]


def test_pinned_tile_is_immutable_until_the_data_moves(maintenance_url, demo_template):
    from geo_service.db.admin import drop_database

    url, tokens = build_access_db(maintenance_url, demo_template, "immutable_tiles")
    app = make_app(url)
    try:
        client = app.test_client()
        plain = client.get(TILE)
        assert plain.status_code == 200 and plain.headers["Cache-Control"] == "public, max-age=60"
        pinned_url = _pinned_tile(client)
        assert plain.headers["Content-Location"] == pinned_url and len(pinned_url) == len(TILE) + 3 + 16
        pinned = client.get(pinned_url)
        assert pinned.status_code == 200
        assert pinned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert pinned.data == plain.data and len(pinned.data) > 0
        # an edit moves the data version: the old pin now redirects, uncached, to the TileJSON's new one
        settings = "/api/v1/scenarios/demo-as-registered"
        etag = client.get(settings).headers["ETag"]
        admin = {"Authorization": f"Bearer {tokens['admin']}", "If-Match": etag}
        assert client.patch(settings, json={"as_of": "2019-06-30"}, headers=admin).status_code == 200
        old = client.get(pinned_url)
        assert old.status_code == 302 and old.headers["Cache-Control"] == "no-cache" and old.data == b""
        new_url = old.headers["Location"]
        assert new_url != pinned_url and new_url == _pinned_tile(client)
        new = client.get(new_url)
        assert new.status_code == 200 and new.headers["Cache-Control"].endswith("immutable")
        bad = client.get(TILE + "?v=<script>")
        assert bad.status_code == 400 and bad.get_json()["parameter"] == "v"
        other = client.get(TILE + "?x=1")
        assert other.status_code == 400 and other.get_json()["parameter"] == "x"
    finally:
        app.extensions["geo_db"].close()
        drop_database(maintenance_url, url.rsplit("/", 1)[1])
