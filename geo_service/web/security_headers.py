"""Security headers on every response.

* Framing: embed routes may be framed by the origins in ``GEO_EMBED_ORIGINS`` (default any);
  every other page only by ourselves (CSP ``frame-ancestors 'self'`` plus ``X-Frame-Options``).
* Privacy: HTML pages get a Content-Security-Policy that lets the browser load nothing from any
  other host, except basemap tiles from the configured ``GEO_TILES_URL`` host. Visitors' addresses
  are never sent to a CDN, font service or analytics host, even if a future asset tried to.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Flask, current_app, request

EMBED_BLUEPRINTS = {"embed"}
_ORIGIN = re.compile(r"^(\*|https?://[A-Za-z0-9.\-]+(:\d+)?|'self'|'none')$")
_HOST = re.compile(r"^[A-Za-z0-9.\-*]+(:\d+)?$")


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


def content_policy(tiles_url: str | None, ancestors: str) -> str:
    tiles = tile_source(tiles_url)
    img = "img-src 'self' data:" + (f" {tiles}" if tiles else "")
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' 'unsafe-inline'",  # Folium writes its map script inline
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
        embed = request.blueprint in EMBED_BLUEPRINTS
        ancestors = frame_ancestors(current_app.config["GEO_EMBED_ORIGINS"]) if embed else "frame-ancestors 'self'"
        if resp.mimetype == "text/html":
            resp.headers["Content-Security-Policy"] = content_policy(current_app.config.get("GEO_TILES_URL"), ancestors)
        else:
            resp.headers["Content-Security-Policy"] = ancestors
        if embed:
            resp.headers.pop("X-Frame-Options", None)
        else:
            resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        return resp
