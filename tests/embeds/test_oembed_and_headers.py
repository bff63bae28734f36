"""oEmbed per the spec (https://oembed.com §2.3.4/§2.3.6) and framing headers on every route."""

import os
from urllib.parse import quote

import pytest

from geo_service.config import public_base_url
from tests.conftest import make_app

HOST = public_base_url(None, os.environ.get("PORT", 5000))  # GEO_PUBLIC_URL's default: our URLs are on it


def test_oembed_rich_response_for_our_map_urls(demo_client):
    for url in (
        f"{HOST}/maps/demo-as-registered/areas/ZA1",
        f"{HOST}/embed/demo-as-registered/networks/UZ0003?legend=off",
    ):
        resp = demo_client.get(f"/oembed?url={quote(url, safe='')}&format=json&maxwidth=500&maxheight=300")
        assert resp.status_code == 200, resp.get_data(as_text=True)
        body = resp.get_json()
        assert body["version"] == "1.0" and body["type"] == "rich"
        assert body["width"] == 500 and body["height"] == 300
        assert body["html"].startswith("<iframe ") and "/embed/demo-as-registered/" in body["html"]
        assert "version=" in body["html"]  # oEmbed embeds are pinned to the data they were made from
    title = demo_client.get(f"/oembed?url={quote(HOST + '/maps/demo-as-registered/areas/ZA1', safe='')}").get_json()[
        "title"
    ]
    assert "Northmere" in title and "as registered" in title


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example/maps/demo-as-registered/areas/ZA1",
        "http://localhost/maps/demo-as-registered/areas/ZA1",  # the test client's Host, not the public URL
        f"{HOST}/somewhere/else",
        f"{HOST}/maps/demo-as-registered/areas/NOPE",
        f"{HOST}/maps/no-such-scenario/networks/UZ0001",
        "javascript:alert(1)",
    ],
)
def test_oembed_404_for_urls_that_are_not_our_maps(demo_client, url):
    resp = demo_client.get(f"/oembed?url={quote(url, safe='')}")
    assert resp.status_code == 404
    assert resp.headers["Content-Type"] == "application/problem+json"


def test_oembed_501_for_formats_other_than_json(demo_client):
    url = quote(f"{HOST}/maps/demo-as-registered/areas/ZA1", safe="")
    resp = demo_client.get(f"/oembed?url={url}&format=xml")
    assert resp.status_code == 501


def test_oembed_400_for_bad_dimensions(demo_client):
    url = quote(f"{HOST}/maps/demo-as-registered/areas/ZA1", safe="")
    resp = demo_client.get(f"/oembed?url={url}&maxwidth=wide")
    assert resp.status_code == 400 and resp.get_json()["parameter"] == "maxwidth"


def test_non_embed_pages_cannot_be_framed_by_others(demo_client):
    for path in ("/", "/healthz", "/api/v1/scenarios"):
        resp = demo_client.get(path)
        assert resp.headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")
        assert resp.headers["X-Frame-Options"] == "SAMEORIGIN"
        assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_embed_frame_ancestors_come_from_settings(demo_db_url):
    app = make_app(demo_db_url, GEO_EMBED_ORIGINS="https://lmc.example.org http://127.0.0.1:8123")
    resp = app.test_client().get("/oembed?url=x")
    app.extensions["geo_db"].close()
    assert resp.headers["Content-Security-Policy"] == "frame-ancestors https://lmc.example.org http://127.0.0.1:8123"
    assert "X-Frame-Options" not in resp.headers
    assert "Set-Cookie" not in resp.headers


def test_html_is_compressed_when_asked(demo_client):
    resp = demo_client.get("/", headers={"Accept-Encoding": "gzip"})
    assert resp.headers.get("Content-Encoding") == "gzip"


def test_html_pages_may_load_nothing_from_other_hosts_but_the_basemap(demo_db_url):
    from geo_service.web.pipeline.security_headers import tile_source

    assert tile_source("https://tile.openstreetmap.org/{z}/{x}/{y}.png") == "https://tile.openstreetmap.org"
    assert tile_source("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    assert tile_source("https://tiles.{region}.example.org/{z}/{x}/{y}.png") == "https:"
    assert tile_source(None) is None and tile_source("javascript:alert(1)") is None
    app = make_app(demo_db_url, GEO_TILES_URL="https://{s}.tile.example.org/{z}/{x}/{y}.png")
    policy = app.test_client().get("/").headers["Content-Security-Policy"]
    app.extensions["geo_db"].close()
    rules = dict(r.strip().split(" ", 1) for r in policy.split(";"))
    assert rules["default-src"] == "'self'" and rules["connect-src"] == "'self'" and rules["font-src"] == "'self' data:"
    assert rules["img-src"] == "'self' data: https://*.tile.example.org"
    assert rules["frame-ancestors"] == "'self'"


def test_oembed_404_for_embed_versions_that_do_not_exist(demo_client):
    """An oEmbed for ``?version=N`` answers as the embed would: 404 when version N cannot be served."""
    page = f"{HOST}/maps/demo-as-registered/areas/ZA1"
    current = demo_client.get("/embed/demo-as-registered/areas/ZA1")
    version = int(current.get_data(as_text=True).split('data-data-version="')[1].split('"')[0])
    ok = demo_client.get(f"/oembed?url={quote(f'{page}?version={version}', safe='')}")
    assert ok.status_code == 200 and f"version={version}" in ok.get_json()["html"]
    for missing in (version + 1000, 0):
        # a version the data never reached is a 404; an old one never kept redirects to the current (issue 26)
        embed = demo_client.get(f"/embed/demo-as-registered/areas/ZA1?version={missing}")
        assert embed.status_code == (404 if missing > version else 302)
        resp = demo_client.get(f"/oembed?url={quote(f'{page}?version={missing}', safe='')}")
        assert resp.status_code == 404 and resp.headers["Content-Type"] == "application/problem+json"
