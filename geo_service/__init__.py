"""geo_service: a map service for planning England's GP primary care networks (PCNs).

Nothing here reads the environment or opens a database at import time: call
:func:`create_app` (the Flask app factory) or use the ``geo-service`` CLI.
"""

from __future__ import annotations

import logging
from typing import Any

__version__ = "0.1.0"

log = logging.getLogger(__name__)


def create_app(config: dict[str, Any] | None = None):
    """Build the Flask app. ``config`` overrides settings read from the environment."""
    from flask import Flask

    from geo_service import caching
    from geo_service.config import load_settings, site_root
    from geo_service.db.pool import Database
    from geo_service.web import register_web

    settings = load_settings(config)
    caching.configure(settings.cache_max_bytes)  # every per-process cache's byte bound (GEO_CACHE_MAX_MB)
    site = site_root(settings.project_root)
    app = Flask(__name__, static_folder=str(site / "static"), template_folder=str(site / "templates"))
    app.config.update(settings.as_flask_config())
    app.extensions["geo_settings"] = settings
    app.extensions["geo_db"] = Database(
        settings.database_url,
        maxconn=settings.pool_max,
        statement_timeout_ms=settings.statement_timeout_ms,
        watchdog=True,
    )
    if settings.read_database_urls:  # issue 26: read-only routes read from hot standbys
        from geo_service.db.routing import ReadRouter

        app.extensions["geo_read_router"] = ReadRouter(
            app.extensions["geo_db"],
            settings.read_database_urls,
            maxconn=settings.pool_max,
            statement_timeout_ms=settings.statement_timeout_ms,
        )
    register_web(app)
    return app
