"""Embeds in a real browser: a host page on another origin frames the snippet (issue: embeds).

Two origins on 127.0.0.1 (different ports): the app, and a plain static server for the host page.
"""

from __future__ import annotations

import functools
import http.server
import time

import pytest

from geo_service.db.pool import Database
from geo_service.embeds.snippet import iframe_html
from geo_service.embeds.views import parse_view
from tests.conftest import LiveServer, ServerThread, free_port, make_app

SCENARIO, AREA = "demo-as-registered", "ZA4"


class HostSite(ServerThread):
    """A static web site on its own port, standing in for an LMC's CMS."""

    def __init__(self, root) -> None:
        handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
        handler.log_message = lambda *a, **k: None
        super().__init__(http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler))


def _host_page(tmp_path, app_url: str, extra: str = "") -> str:
    snippet = iframe_html(app_url, parse_view(SCENARIO, "area", AREA, {}), None, "Test area map")
    snippet = snippet.replace(' loading="lazy"', "")  # load at once in the test
    (tmp_path / "index.html").write_text(
        '<!doctype html><html><head><title>LMC news</title><link rel="icon" href="data:,"></head>'
        "<body><h1>Our networks</h1>"
        f"{snippet}{extra}</body></html>"
    )
    return "index.html"


def _frame(page, prefix: str):
    for frame in page.frames:
        if frame.url.startswith(prefix):
            return frame
    return None


@pytest.fixture(scope="module")
def open_app(demo_db_url):
    app = make_app(demo_db_url)
    with LiveServer(app) as live:
        app.config["GEO_PUBLIC_URL"] = live.url  # what a deployment sets: the address the public reaches
        yield live
    app.extensions["geo_db"].close()


@pytest.fixture(scope="module")
def expected_counts(demo_db_url):
    """Layer counts the embed should draw, from the same map view the pages use (checked against SQL below)."""
    db = Database(demo_db_url)
    with db.connection() as conn, conn.cursor() as cur:
        cur.execute(
            """SELECT count(*) FROM scenarios s
                 JOIN practice_register r ON r.extract_id = s.register_extract_id
                 JOIN postcode_points pt ON pt.extract_id = s.location_extract_id AND pt.postcode_key = r.postcode_key
                 JOIN areas a ON ST_Intersects(a.geom, pt.geom)
                WHERE s.slug = %(s)s AND a.ods_code = %(a)s AND r.status = 'active'""",
            {"a": AREA, "s": SCENARIO},
        )
        in_area = cur.fetchone()[0]
    db.close()
    return {"practices_at_least": in_area}


def test_embed_renders_inside_a_foreign_page_with_no_outside_requests(
    browser_page, open_app, tmp_path, artifacts_dir, expected_counts
):
    page, watch = browser_page
    with HostSite(tmp_path) as host:
        page.goto(f"{host.url}/{_host_page(tmp_path, open_app.url)}", wait_until="load")
        page.wait_for_selector("iframe")
        frame = None
        for _ in range(100):
            frame = _frame(page, open_app.url + "/embed/")
            if frame is not None:
                break
            page.wait_for_timeout(100)
        assert frame is not None, [f.url for f in page.frames]
        frame.wait_for_function("() => window.GeoMaps && GeoMaps.isReady()", timeout=60_000)
        drawn = frame.evaluate(
            """() => { const m = document.querySelector('.folium-map');
                 return Object.fromEntries((GeoMaps.layers[m.id] || [])
                   .map((g) => [g._geoSpec.key, g.getLayers().length])); }"""
        )
        counts = frame.evaluate("() => JSON.parse(document.body.getAttribute('data-layer-counts'))")
        page.screenshot(path=str(artifacts_dir / "embed_in_host_page.png"), full_page=True)
    assert drawn, "no Leaflet layers drawn in the embed"
    for key, n in counts.items():
        if n is not None:
            assert drawn.get(key) == n, (key, drawn, counts)
    assert sum(drawn.values()) > 0
    assert drawn.get("practices", 0) >= expected_counts["practices_at_least"]
    assert watch.foreign_requests() == []
    assert watch.page_errors == [] and watch.dialogs == []
    assert [e for e in watch.console_errors if "favicon" not in e] == []


def test_embed_is_refused_by_the_browser_for_origins_not_allowed(browser_page, demo_db_url, tmp_path):
    page, watch = browser_page
    app = make_app(demo_db_url, GEO_EMBED_ORIGINS="https://lmc.example.org")
    with LiveServer(app) as restricted, HostSite(tmp_path) as host:
        # The same snippet, plus a plain map page (never frameable by another site).
        extra = f'<iframe id="page" src="{restricted.url}/maps/{SCENARIO}/areas/{AREA}"></iframe>'
        page.goto(f"{host.url}/{_host_page(tmp_path, restricted.url, extra)}", wait_until="load")
        # Wait until the browser has refused both frames (its console says so), never a fixed time.
        deadline = time.monotonic() + 30
        while len(_refusals(watch)) < 2 and time.monotonic() < deadline:
            page.wait_for_timeout(50)  # lets Playwright deliver the console events while polling
        assert len(_refusals(watch)) >= 2, watch.console_errors
        for frame in page.frames[1:]:
            has_map = (
                frame.evaluate("() => !!document.querySelector('.folium-map')") if not frame.is_detached() else False
            )
            assert not has_map, f"{frame.url} rendered inside a foreign page"
    app.extensions["geo_db"].close()
    assert watch.foreign_requests() == []
    assert len(_refusals(watch)) >= 2, watch.console_errors


def _refusals(watch) -> list[str]:
    return [
        e for e in watch.console_errors if "frame-ancestors" in e or "X-Frame-Options" in e or "refused" in e.lower()
    ]


def test_map_page_offers_an_embed_snippet(browser_page, open_app):
    page, _ = browser_page
    page.goto(f"{open_app.url}/maps/{SCENARIO}/areas/{AREA}", wait_until="load")
    snippet = page.locator("#embed-snippet")
    assert snippet.count() == 1
    code = snippet.input_value() if snippet.evaluate("e => e.tagName") == "TEXTAREA" else snippet.inner_text()
    assert code.startswith("<iframe ") and f"/embed/{SCENARIO}/areas/{AREA}" in code and "version=" in code
    link = page.locator('link[rel="alternate"][type="application/json+oembed"]')
    assert link.count() == 1 and "/oembed?url=" in link.get_attribute("href")
    discovered = page.request.get(link.get_attribute("href"))
    assert discovered.status == 200
    body = discovered.json()
    assert body["type"] == "rich" and body["html"].startswith("<iframe ")
    page.locator("#embed-preview").scroll_into_view_if_needed()  # the builder's preview (issue 20) loads lazily
    preview = page.frame_locator("#embed-this-map iframe")
    preview.locator(".folium-map").wait_for(timeout=30_000)
