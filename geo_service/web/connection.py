"""Per-request database connection: borrowed on first use, returned at teardown."""

from __future__ import annotations

from flask import Flask, current_app, g

from geo_service.db.pool import Database


def database() -> Database:
    return current_app.extensions["geo_db"]


def get_conn():
    """The request's connection (one transaction per request, ``statement_timeout`` set)."""
    if "geo_conn_cm" not in g:
        cm = database().connection()
        g.geo_conn = cm.__enter__()
        g.geo_conn_cm = cm
    return g.geo_conn


def init_connection_handling(app: Flask) -> None:
    @app.teardown_request
    def _release(exc):  # noqa: ANN001 - Flask signature
        cm = g.pop("geo_conn_cm", None)
        g.pop("geo_conn", None)
        if cm is not None:
            if exc is None:
                cm.__exit__(None, None, None)
            else:
                cm.__exit__(type(exc), exc, exc.__traceback__)
