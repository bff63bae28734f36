"""Security headers on every response type (issue 14, "Done when"; row 12).

HTML page, map page, embed, JSON, GeoJSON, problem+json, CSV, static file, health, oEmbed: each carries
nosniff, a Referrer-Policy, a Permissions-Policy, a Cache-Control and a CSP with frame-ancestors; no
Server header. HTML has a script-src without 'unsafe-inline' that allows exactly the inline scripts the
body holds (by this response's nonce, or — stored embeds — by their hashes).
"""

from __future__ import annotations

import os
import re
from urllib.parse import quote

import pytest

from geo_service.config import public_base_url
from geo_service.maps.script_policy import inline_script_hashes
from geo_service.web.pipeline.security_headers import PERMISSIONS_POLICY

S = "demo-as-registered"
PUBLIC = public_base_url(None, os.environ.get("PORT", 5000))  # GEO_PUBLIC_URL's default
RESPONSES = {
    "html page": ("/", "text/html"),
    "map page": (f"/maps/{S}/areas/ZA1", "text/html"),
    "compare page": (f"/maps/compare?a={S}&b=demo-commissioner-proposal&area=ZA3", "text/html"),
    "embed": (f"/embed/{S}/areas/ZA2", "text/html"),
    "json": ("/api/v1/scenarios", "application/json"),
    "geojson": (f"/api/v1/maps/{S}/areas.geojson", "application/geo+json"),
    "problem+json": (f"/api/v1/scenarios/{S}/checks?area=NOPE", "application/problem+json"),
    "problem+json 400": (f"/api/v1/scenarios/{S}/checks?area=%00", "application/problem+json"),
    "csv": (f"/api/v1/scenarios/{S}/checks.csv", "text/csv"),
    "static file": ("/static/css/site.css", "text/css"),
    "static script": ("/static/js/maps.js", "text/javascript"),
    "health": ("/healthz", "application/json"),
    "oembed": (f"/oembed?url={quote(f'{PUBLIC}/maps/{S}/areas/ZA1', safe='')}", "application/json"),
    "html 404": ("/no/such/page", "text/html"),
}


def _policy(resp) -> dict[str, str]:
    return dict(r.strip().split(" ", 1) for r in resp.headers["Content-Security-Policy"].split(";"))


@pytest.mark.parametrize("kind", list(RESPONSES))
def test_security_headers_on_every_response_type(demo_client, kind):
    path, mimetype = RESPONSES[kind]
    resp = demo_client.get(path, headers={"Accept": "text/html,*/*;q=0.8"})
    assert resp.mimetype == mimetype, (kind, resp.status_code, resp.mimetype)
    h = resp.headers
    assert "Server" not in h
    assert h["X-Content-Type-Options"] == "nosniff"
    assert h["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert h["Permissions-Policy"] == PERMISSIONS_POLICY
    assert h["Cache-Control"], kind
    if resp.status_code >= 400:
        assert h["Cache-Control"] == "no-store"
    policy = _policy(resp)
    if kind == "embed" or kind == "oembed":
        assert policy["frame-ancestors"] == "*" and "X-Frame-Options" not in h
    else:
        assert policy["frame-ancestors"] == "'self'" and h["X-Frame-Options"] == "SAMEORIGIN"
    assert "Set-Cookie" not in h
    if mimetype != "text/html":
        return
    script_src = policy["script-src"].split()
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'self'" and policy["default-src"] == "'self'"
    body = resp.get_data(as_text=True)
    nonces = {f"'nonce-{n}'" for n in re.findall(r'<script[^>]* nonce="([^"]+)"', body)}
    inline = re.findall(r"<script(?![^>]*\ssrc=)([^>]*)>", body)
    if kind == "embed":
        assert not nonces and set(inline_script_hashes(body)) <= set(script_src) and len(inline) >= 1
    else:
        assert nonces <= set(script_src) and len(nonces) <= 1  # the one nonce of this response
        assert all("nonce=" in attrs for attrs in inline), inline  # every inline script carries it
    if kind in ("map page", "compare page"):
        assert nonces and inline


def test_each_response_gets_its_own_nonce(demo_client):
    a, b = (demo_client.get(f"/maps/{S}/areas/ZA1") for _ in range(2))
    na, nb = (re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"])[1] for r in (a, b))
    assert na != nb and f'nonce="{na}"' in a.get_data(as_text=True) and f'nonce="{nb}"' in b.get_data(as_text=True)


def test_a_304_keeps_the_cached_policy(demo_client):
    """A 304's headers replace the cached ones: it must not send a policy without the body's hashes."""
    path = f"/embed/{S}/areas/ZA2"
    etag = demo_client.get(path).headers["ETag"]
    again = demo_client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert "Content-Security-Policy" not in again.headers
    assert again.headers["X-Content-Type-Options"] == "nosniff"
