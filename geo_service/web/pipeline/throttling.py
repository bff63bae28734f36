"""Throttling with Flask-Limiter (issue 21 finding 6): 429 with ``Retry-After`` instead of unbounded guessing.

* sign-in, per client address: :data:`SIGN_IN_PER_CLIENT` attempts, password and OpenID alike (one count, scope
  ``sign-in``, over ``POST /sign-in``, ``POST /sign-in/oidc`` and ``GET /sign-in/oidc/callback``: each OpenID
  attempt makes this service call the provider, so a flood of them is refused here before any of that work);
* sign-in, per account: :data:`SIGN_IN_FAILURES_PER_ACCOUNT` failed attempts, after which even the right
  password waits (an online guesser gets ten tries per quarter hour, not ten per second);
* every route, per client address: :data:`AUTH_FAILURES_PER_CLIENT` answers of 401 (bad API tokens, expired
  sessions) before further requests are refused;
* plan uploads, prints and exports per client address (:data:`UPLOADS_PER_CLIENT`, :data:`EXPORTS_PER_CLIENT`).

The client address is ``request.remote_addr``: the real client when ``GEO_TRUSTED_PROXIES`` says how many
proxies in front set ``X-Forwarded-For`` (ProxyFix, :mod:`geo_service.web.routes.access`), never a header a client
sets itself. Counters live in ``GEO_RATELIMIT_STORAGE`` (a ``limits`` storage URI): ``memory://`` counts per
worker process; give several workers one shared store (``redis://host:6379``, ``memcached://host:11211``)
in production (``serve --prod`` refuses several workers without one; docker-compose.yml ships redis). One Limiter
per app: with ``memory://`` each has its own counters, so tests never share them.
"""

from __future__ import annotations

import math
import time

from flask import Flask, jsonify, render_template, request
from flask_limiter import Limiter, RateLimitExceeded

SIGN_IN_PER_CLIENT = "60 per minute"
SIGN_IN_FAILURES_PER_ACCOUNT = "10 per 15 minutes"
AUTH_FAILURES_PER_CLIENT = "120 per minute"
UPLOADS_PER_CLIENT = "20 per minute"
EXPORTS_PER_CLIENT = "60 per minute"
SIGN_IN_ENDPOINTS = ("access.sign_in", "oidc.start", "oidc.callback")


def client_address() -> str:
    return request.remote_addr or "unknown"


def _account() -> str:
    return "account:" + (request.form.get("username") or "").strip().lower()[:64]


def _failed(response) -> bool:  # noqa: ANN001 - a Flask response
    return response.status_code == 401


def register(app: Flask) -> Limiter:
    """The app's limiter, and the limits of the sign-in, upload, print and export routes (call after all
    blueprints are registered)."""
    limiter = Limiter(
        client_address,
        app=app,
        storage_uri=app.config.get("GEO_RATELIMIT_STORAGE") or "memory://",
        headers_enabled=False,  # Retry-After on 429 only (below): other routes set their own (prints' 503)
        application_limits=[app.config.get("GEO_AUTH_FAILURES_LIMIT", AUTH_FAILURES_PER_CLIENT)],
        application_limits_deduct_when=_failed,
        key_prefix="geo",  # the same in every worker and instance: a shared store counts them all together
        strategy="moving-window",
    )
    app.extensions["geo_limiter"] = limiter

    @app.errorhandler(RateLimitExceeded)
    def _too_many(err: RateLimitExceeded):
        current = limiter.current_limit
        retry = max(1, math.ceil(current.reset_at - time.time())) if current is not None else 60
        detail = f"Too many requests ({err.description}): try again in {retry} seconds."
        headers = {"Retry-After": str(retry), "Cache-Control": "no-store"}
        if request.endpoint in SIGN_IN_ENDPOINTS:  # the form again, saying why
            page = render_template("access/sign_in.html", error=detail, next_url=request.values.get("next") or "")
            return page, 429, headers
        body = {"type": "about:blank", "title": "Too many requests", "status": 429, "detail": detail,
                "retry_after": retry}  # fmt: skip
        return jsonify(body), 429, {**headers, "Content-Type": "application/problem+json"}

    per_client = app.config.get("GEO_SIGN_IN_LIMIT", SIGN_IN_PER_CLIENT)

    def sign_in_attempts(methods: list[str]):  # one count per address over every way of signing in
        return limiter.shared_limit(per_client, scope="sign-in", methods=methods)

    limits = {
        "oidc.start": [sign_in_attempts(["POST"])],
        "oidc.callback": [sign_in_attempts(["GET"])],
        "access.sign_in": [
            sign_in_attempts(["POST"]),
            limiter.limit(
                app.config.get("GEO_SIGN_IN_ACCOUNT_LIMIT", SIGN_IN_FAILURES_PER_ACCOUNT),
                key_func=_account,
                methods=["POST"],
                deduct_when=_failed,
            ),
        ],
        "plans.upload_polygons": [limiter.limit(UPLOADS_PER_CLIENT)],
        "membership_sheets.import_api": [limiter.limit(UPLOADS_PER_CLIENT)],  # issue 20: plans from spreadsheets
        "membership_sheets.import_form": [limiter.limit(UPLOADS_PER_CLIENT)],
        "membership_sheets.membership_csv": [limiter.limit(EXPORTS_PER_CLIENT)],
        "membership_sheets.membership_xlsx": [limiter.limit(EXPORTS_PER_CLIENT)],
    }
    for endpoint in app.view_functions:
        if endpoint.startswith("exports."):
            limits.setdefault(endpoint, []).append(limiter.limit(EXPORTS_PER_CLIENT))
    for endpoint, decorators in limits.items():
        view = app.view_functions.get(endpoint)
        if view is None:
            continue
        for decorate in decorators:
            view = decorate(view)
        app.view_functions[endpoint] = view
    return limiter
