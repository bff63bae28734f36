"""Web layer: one blueprint per concern. Routes parse input and shape responses only."""

from __future__ import annotations

from flask import Flask


def register_web(app: Flask) -> None:
    from geo_service.web import api, compression, embed, errors, health, input_validation, pages, security_headers
    from geo_service.web.connection import init_connection_handling

    init_connection_handling(app)
    input_validation.register(app)  # first: every route's path and query values are checked before it runs
    errors.register(app)
    security_headers.register(app)
    compression.register(app)
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
