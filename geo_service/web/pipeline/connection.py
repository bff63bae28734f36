"""Per-request database connection: borrowed on first use, committed before the response leaves, returned
at teardown.

The commit runs in ``after_request`` so that a database that fails at that moment still gets the client a
problem+json 503, not a bare server error. Teardown only gives the connection back (rolled back) and never
raises: an exception there would make the WSGI server answer a bare HTML 500. Every 503 says when to come
back (``Retry-After``): the causes (database down, frozen or busy, print queue full) are passing ones.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g

from geo_service.db.pool import CONNECTION_ERRORS, Database, unavailable
from geo_service.errors import GeoServiceError
from geo_service.web.pipeline.read_routing import open_connection

log = logging.getLogger(__name__)

RETRY_AFTER_S = 2


def database() -> Database:
    return current_app.extensions["geo_db"]


def get_conn():
    """The request's connection (one transaction per request, ``statement_timeout`` set)."""
    if "geo_conn_cm" not in g:
        cm, g.geo_conn = open_connection(database())  # issue 26: a replica for the read-only routes
        g.geo_conn_cm = cm
    return g.geo_conn


def _give_back(exc: BaseException | None) -> None:
    """End the request's transaction: commit when ``exc`` is None, else roll back. May raise on commit."""
    cm = g.pop("geo_conn_cm", None)
    g.pop("geo_conn", None)
    if cm is None:
        return
    if exc is None:
        cm.__exit__(None, None, None)
    else:
        cm.__exit__(type(exc), exc, exc.__traceback__)


class _RequestFailed(Exception):
    """Marks a request that ended in an error response: its transaction is rolled back."""


def init_connection_handling(app: Flask) -> None:
    @app.errorhandler(CONNECTION_ERRORS[0])
    @app.errorhandler(CONNECTION_ERRORS[1])
    def _connection_failed(err):  # noqa: ANN001 - the driver's error, raised inside a view
        """A connection lost (or a query timed out) inside a view: a 503 problem, never a 500."""
        log.warning("database connection failed during %s: %s", type(err).__name__, str(err).strip()[:200])
        return app.handle_user_exception(unavailable(err))

    @app.after_request
    def _commit(response: Response) -> Response:
        if "geo_conn_cm" in g:
            try:
                _give_back(None if response.status_code < 400 else _RequestFailed())
            except GeoServiceError as err:  # the commit failed (e.g. the database went away): a 503
                response = current_app.process_response(current_app.make_response(app.handle_user_exception(err)))
        if response.status_code == 503 and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response

    @app.teardown_request
    def _release(exc):  # noqa: ANN001 - Flask signature
        try:
            _give_back(exc if exc is not None else _RequestFailed())  # normally already committed
        except Exception:  # noqa: BLE001 - teardown must never raise (the WSGI server would send a bare 500)
            log.warning("could not return the request's database connection", exc_info=True)
