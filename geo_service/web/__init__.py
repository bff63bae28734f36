"""Web layer: the request pipeline (``pipeline/``), the blueprints (``routes/``, one per concern) and their
declared schemas (``schemas/``). Routes parse input and shape responses only; services do the work."""

from __future__ import annotations

from flask import Flask

from geo_service.web.pipeline import (
    canonical_urls,
    compression,
    errors,
    input_validation,
    read_routing,
    request_log,
    security_headers,
    sessions,
    throttling,
    visibility_guard,
)
from geo_service.web.pipeline.connection import init_connection_handling
from geo_service.web.routes import (
    access,
    api,
    api_docs,
    approval,
    audit_views,
    checks_api,
    embed,
    exports,
    findings_browser,
    health,
    layers_api,
    maps,
    membership_sheets,
    network_history,
    ogc,
    oidc,
    pages,
    plan_sharing,
    practices,
    search,
    suggest,
)
from geo_service.web.routes import metrics as metrics_web
from geo_service.web.routes import plans as plans_web


def register_web(app: Flask) -> None:
    read_routing.register_write_marks(app)  # issue 26: before the connection handling, so it runs after commit
    init_connection_handling(app)
    input_validation.register(app)  # first: every route's path and query values are checked before it runs
    errors.register(app)
    security_headers.register(app)
    compression.register(app)
    sessions.register(app)  # sessions, CSRF, request ids: before any blueprint with write routes
    app.register_blueprint(access.bp)  # /sign-in, /sign-out
    oidc.register(app)  # issue 26: /sign-in/oidc and its callback; GEO_OIDC_* and GEO_LOCAL_PASSWORDS settings
    plans_web.register(app)  # issue 12: draft/private scenarios hidden from every route; the plan editor
    visibility_guard.register(app)  # issue 12: the one read check (paths, queries, OGC ids, oEmbed URLs)
    suggest.register(app)  # issue 22: suggested networks (draft plans) and their background jobs
    plan_sharing.register(app)  # issue 12: share / unshare a plan (API + the form of plans/_sharing.html)
    app.register_blueprint(audit_views.bp)
    app.register_blueprint(approval.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(embed.bp)
    app.register_blueprint(checks_api.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(maps.bp)
    app.register_blueprint(layers_api.bp)
    app.register_blueprint(ogc.bp)  # issue 13: OGC API – Features and vector tiles under /ogc
    app.register_blueprint(search.bp)
    app.register_blueprint(findings_browser.bp)  # issue 19: /maps/<scenario>/findings and its API
    app.register_blueprint(membership_sheets.bp)  # issue 20: membership as CSV/XLSX, plans made from such files
    app.register_blueprint(practices.bp)  # issue 20: /practices/<ods> and /api/v1/practices/<ods>
    app.register_blueprint(network_history.bp)  # issue 20: a network across vintages
    canonical_urls.register(app)  # after input validation: codes in any case redirect to the stored spelling
    app.register_blueprint(api_docs.bp)  # /api/openapi.json and /api/docs
    throttling.register(app)  # issue 21: last, so every route it limits is registered
    metrics_web.register(app)  # issue 26: /metrics (Prometheus), request counts and latency per route
    request_log.register(app)  # issue 26: one JSON line per request; request_id in every problem+json body
    read_routing.register(app)  # issue 26: last, so it runs first: which database answered, a lagging replica's notice
