"""Immutable, versioned layer URLs for a CDN (issue 26): ``?v=<pin>`` answers with a year-long immutable
``Cache-Control``; after an edit the old pin redirects to the new one; a bad pin is a 400 naming ``v``."""

from __future__ import annotations

from tests.access.conftest import build_access_db
from tests.conftest import make_app

LAYER = "/api/v1/maps/demo-as-registered/areas/ZA4/layers/networks.geojson"


def test_pinned_layer_is_immutable_until_the_data_moves(maintenance_url, demo_template):
    from geo_service.db.admin import drop_database

    url, tokens = build_access_db(maintenance_url, demo_template, "immutable_layers")
    app = make_app(url)
    try:
        client = app.test_client()
        plain = client.get(LAYER)
        assert plain.status_code == 200 and plain.headers["Cache-Control"] == "public, max-age=60"
        pinned_url = plain.headers["Content-Location"]
        assert pinned_url.startswith(LAYER + "?v=") and len(pinned_url) == len(LAYER) + 3 + 16
        pinned = client.get(pinned_url)
        assert pinned.status_code == 200
        assert pinned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert pinned.get_json() == plain.get_json()
        # an edit of the scenario (its date) moves its version: the old pin now redirects, uncached
        settings = "/api/v1/scenarios/demo-as-registered"
        etag = client.get(settings).headers["ETag"]
        admin = {"Authorization": f"Bearer {tokens['admin']}", "If-Match": etag}
        assert client.patch(settings, json={"as_of": "2019-06-30"}, headers=admin).status_code == 200
        old = client.get(pinned_url)
        assert old.status_code == 302 and old.headers["Cache-Control"] == "no-cache"
        new_url = old.headers["Location"]
        assert new_url != pinned_url and new_url.startswith(LAYER + "?v=")
        new = client.get(new_url)
        assert new.status_code == 200 and new.headers["Cache-Control"].endswith("immutable")
        assert new.headers["Content-Location"] == new_url
        bad = client.get(LAYER + "?v=<script>")
        assert bad.status_code == 400 and bad.get_json()["parameter"] == "v"
        assert "version pin" in bad.get_json()["detail"]
    finally:
        app.extensions["geo_db"].close()
        drop_database(maintenance_url, url.rsplit("/", 1)[1])
