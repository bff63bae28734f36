"""Web layer: one blueprint per concern. Routes parse input and shape responses only."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from geo_service.web import api, compression, embed, errors, health, input_validation, pages, security_headers
    from geo_service.web.connection import init_connection_handling

    register_read_routing_marks(app)  # issue 26: before the connection handling, so it runs after the commit
    init_connection_handling(app)
    input_validation.register(app)  # first: every route's path and query values are checked before it runs
    errors.register(app)
    security_headers.register(app)
    compression.register(app)
    from geo_service.web import access

    access.register(app)  # sessions, CSRF, request ids, /sign-in: before any blueprint with write routes
    from geo_service.web import plans as plans_web

    plans_web.register(app)  # issue 12: draft/private scenarios hidden from every route; the plan editor
    from geo_service.web import visibility_guard

    visibility_guard.register(app)  # issue 12: the one read check (paths, queries, OGC ids, oEmbed URLs)
    from geo_service.web import suggest as suggest_web

    suggest_web.register(app)  # issue 22: suggested networks (draft plans) and their background jobs
    from geo_service.web import plan_sharing

    plan_sharing.register(app)  # issue 12: share / unshare a plan (API + the form of plans/_sharing.html)
    from geo_service.web import audit_views

    app.register_blueprint(audit_views.bp)
    from geo_service.web import approval

    app.register_blueprint(approval.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(embed.bp)
    from geo_service.web.checks_api import bp as checks_bp

    app.register_blueprint(checks_bp)
    from geo_service.web.exports import bp as exports_bp

    app.register_blueprint(exports_bp)
    from geo_service.web import layers_api, maps

    app.register_blueprint(maps.bp)
    app.register_blueprint(layers_api.bp)
    from geo_service.web import ogc

    app.register_blueprint(ogc.bp)  # issue 13: OGC API – Features and vector tiles under /ogc
    from geo_service.web import canonical_urls
    from geo_service.web import search as search_pages

    app.register_blueprint(search_pages.bp)
    from geo_service.web import findings_browser

    app.register_blueprint(findings_browser.bp)  # issue 19: /maps/<scenario>/findings and its API
    canonical_urls.register(app)  # after input validation: codes in any case redirect to the stored spelling
    from geo_service.web import api_docs

    app.register_blueprint(api_docs.bp)  # /api/openapi.json and /api/docs
    from geo_service.web import throttling

    throttling.register(app)  # issue 21: last, so every route it limits is registered
    from geo_service.web import metrics as metrics_web

    metrics_web.register(app)  # issue 26: /metrics (Prometheus), request counts and latency per route
    from geo_service.web import request_log

    request_log.register(app)  # issue 26: one JSON line per request; request_id in every problem+json body
    from geo_service.web import read_routing

    read_routing.register(app)  # issue 26: last, so it runs first: which database answered, a lagging replica's notice


def register_read_routing_marks(app: Flask) -> None:
    """Issue 26: the read-your-writes mark, registered before the connection handling so it runs after the commit."""
    from geo_service.web import read_routing

    read_routing.register_write_marks(app)
