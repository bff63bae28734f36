"""Security headers on every response.

* Framing: embed routes may be framed by the origins in ``GEO_EMBED_ORIGINS`` (default any);
  every other page only by ourselves (CSP ``frame-ancestors 'self'`` plus ``X-Frame-Options``).
* Privacy: HTML pages get a Content-Security-Policy that lets the browser load nothing from any
  other host, except basemap tiles from the configured ``GEO_TILES_URL`` host. Visitors' addresses
  are never sent to a CDN, font service or analytics host, even if a future asset tried to.
* Scripts: ``script-src 'self'`` plus, for the inline map scripts Folium writes, this response's nonce
  (pages) or the scripts' SHA-256 hashes (stored embeds) — never ``'unsafe-inline'``. A cached page is
  kept with a per-rendering marker where its nonces go; each response swaps in a fresh nonce
  (:func:`cached_rendering`, :func:`with_request_nonce`). A 304 carries no CSP, so a cache keeps the
  policy that matches the body it holds.
* Also: ``Permissions-Policy`` (no camera, microphone, geolocation, payment, USB; full screen for the map
  itself), ``Referrer-Policy``, ``nosniff``, and a ``Cache-Control`` on every response (``no-cache`` unless a
  route says otherwise, ``no-store`` for errors).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request

EMBED_BLUEPRINTS = {"embed"}
_ORIGIN = re.compile(r"^(\*|https?://[A-Za-z0-9.\-]+(:\d+)?|'self'|'none')$")
_HOST = re.compile(r"^[A-Za-z0-9.\-*]+(:\d+)?$")
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), fullscreen=(self)"


def csp_nonce() -> str:
    """The nonce for inline scripts being rendered now: this response's, or a cached rendering's marker."""
    marker = g.get("geo_csp_marker")
    if marker:
        return marker
    if "geo_csp_nonce" not in g:
        g.geo_csp_nonce = secrets.token_urlsafe(18)
    return g.geo_csp_nonce


@contextmanager
def cached_rendering() -> Iterator[str]:
    """Render something that will be kept and served again: its nonces are a random marker (chosen after the
    data it shows, so no data can contain it), replaced per response by :func:`with_request_nonce`."""
    marker = "m" + secrets.token_urlsafe(24)
    g.geo_csp_marker = marker
    try:
        yield marker
    finally:
        g.pop("geo_csp_marker", None)


def with_request_nonce(html: str, marker: str) -> str:
    return html.replace(marker, csp_nonce()) if marker in html else html


def allow_script_hashes(resp: Response, hashes: tuple[str, ...]) -> None:
    """Let the inline scripts of ``resp`` (a stored body) run by their hashes."""
    resp.geo_script_hashes = tuple(hashes)  # type: ignore[attr-defined]


def frame_ancestors(origins: tuple[str, ...]) -> str:
    valid = [o for o in origins if _ORIGIN.match(o)]
    return "frame-ancestors " + (" ".join(valid) if valid else "'none'")


def tile_source(tiles_url: str | None) -> str | None:
    """CSP source for a tile URL template: ``https://{s}.tile.example/{z}/{x}/{y}.png`` → ``https://*.tile.example``."""
    if not tiles_url:
        return None
    parts = urlsplit(tiles_url)
    host = re.sub(r"\{[a-z]+\}", "*", parts.netloc)
    if parts.scheme not in ("http", "https") or not _HOST.match(host) or "*" in host.lstrip("*."):
        return f"{parts.scheme}:" if parts.scheme in ("http", "https") else None
    return f"{parts.scheme}://{host}"


def content_policy(tiles_url: str | None, ancestors: str, scripts: tuple[str, ...] = ()) -> str:
    """The HTML policy; ``scripts`` are extra script sources (``'nonce-…'``, ``'sha256-…'``)."""
    tiles = tile_source(tiles_url)
    img = "img-src 'self' data:" + (f" {tiles}" if tiles else "")
    return "; ".join(
        [
            "default-src 'self'",
            " ".join(("script-src 'self'", *scripts)),
            "style-src 'self' 'unsafe-inline'",  # Leaflet positions with inline styles
            img,
            "font-src 'self' data:",
            "connect-src 'self'",
            "frame-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            ancestors,
        ]
    )


def register(app: Flask) -> None:
    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        resp.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if "Cache-Control" not in resp.headers:
            resp.headers["Cache-Control"] = "no-store" if resp.status_code >= 400 else "no-cache"
        embed = request.blueprint in EMBED_BLUEPRINTS
        ancestors = frame_ancestors(current_app.config["GEO_EMBED_ORIGINS"]) if embed else "frame-ancestors 'self'"
        if resp.status_code == 304:
            # The cached body's policy (its nonce or hashes) stays: headers of a 304 would replace it.
            resp.headers.pop("Content-Security-Policy", None)
        elif resp.mimetype == "text/html":
            scripts = getattr(resp, "geo_script_hashes", ())
            if "geo_csp_nonce" in g:
                scripts = (f"'nonce-{g.geo_csp_nonce}'", *scripts)
            resp.headers["Content-Security-Policy"] = content_policy(
                current_app.config.get("GEO_TILES_URL"), ancestors, tuple(scripts)
            )
        else:
            resp.headers["Content-Security-Policy"] = ancestors
        if str(current_app.config.get("GEO_PUBLIC_URL", "")).startswith("https://"):
            # issue 21: served on https, say so for a year: browsers never try plain http (and its cookies) again
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if embed:
            resp.headers.pop("X-Frame-Options", None)
        else:
            resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        return resp
