"""Framing and other security headers on every response.

Embed routes may be framed by the origins in ``GEO_EMBED_ORIGINS`` (default any); every other
page may only be framed by ourselves (CSP ``frame-ancestors 'self'`` plus ``X-Frame-Options``
for old browsers).
"""

from __future__ import annotations

import re

from flask import Flask, current_app, request

EMBED_BLUEPRINTS = {"embed"}
_ORIGIN = re.compile(r"^(\*|https?://[A-Za-z0-9.\-]+(:\d+)?|'self'|'none')$")


def frame_ancestors(origins: tuple[str, ...]) -> str:
    valid = [o for o in origins if _ORIGIN.match(o)]
    return "frame-ancestors " + (" ".join(valid) if valid else "'none'")


def register(app: Flask) -> None:
    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if request.blueprint in EMBED_BLUEPRINTS:
            resp.headers["Content-Security-Policy"] = frame_ancestors(current_app.config["GEO_EMBED_ORIGINS"])
            resp.headers.pop("X-Frame-Options", None)
        else:
            resp.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
            resp.headers["X-Frame-Options"] = "SAMEORIGIN"
        return resp
