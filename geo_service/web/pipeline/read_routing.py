"""Which database answers a request (issue 26): the request hook around :mod:`geo_service.db.routing`.

* ``GET``/``HEAD`` of the read-only blueprints (maps, layers, checks, findings, OGC and tiles, embeds, exports)
  read from a replica when ``GEO_READ_DATABASE_URL`` is set; everything else, every write, and every request with
  an API token (its check marks the token used) uses the primary.
* After a successful write (any other method) the writer gets the primary's WAL position in the short-lived
  ``geo_read_after`` cookie: a replica serves that writer again only once it has replayed it.
* A GET that must write (an embed kept in the database) writes through :func:`write_on_primary`.
* ``X-Geo-Read-From`` says which database answered (``primary`` or ``replica``); when a replica is behind the
  primary, ``X-Geo-Data-Version`` gives the data version it shows and an HTML page says so above its content.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from flask import Flask, Response, current_app, g, request
from markupsafe import escape

from geo_service import metrics
from geo_service.db.repositories import meta
from geo_service.db.routing import ReadRouter, Served, lsn_value

log = logging.getLogger(__name__)

READ_BLUEPRINTS = frozenset({"maps", "layers_api", "checks_api", "findings_browser", "ogc", "embed", "exports"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COOKIE = "geo_read_after"
COOKIE_MAX_AGE_S = 300  # long enough for any replica that is not broken to replay the write
_MAIN = 'id="maincontent" role="main">'


def router() -> ReadRouter | None:
    return current_app.extensions.get("geo_read_router")


def open_connection(primary) -> tuple[AbstractContextManager, Any]:  # noqa: ANN001 - the primary Database
    """An entered connection context for this request: a replica for the read-only routes, else the primary."""
    routed = router()
    # A request with an API token goes to the primary: checking the token marks it used (a write).
    to_primary = request.method not in SAFE_METHODS or request.blueprint not in READ_BLUEPRINTS
    if routed is None or to_primary or "Authorization" in request.headers:
        if routed is not None:
            g.geo_served = Served("primary")
            metrics.DB_READS.labels("primary", "no").inc()
        cm = primary.connection()
        return cm, cm.__enter__()
    cm, conn, served = routed.open_read(request.cookies.get(COOKIE))
    g.geo_served = served
    metrics.DB_READS.labels(served.source, "yes" if served.behind else "no").inc()
    return cm, conn


def write_on_primary(write: Callable[[Any], None], request_conn: Callable[[], Any]) -> None:
    """Run ``write(conn)`` on the primary: in the request's transaction when the request is on the primary,
    else in a transaction of its own (committed at once)."""
    served = g.get("geo_served")
    if served is None or served.source == "primary":
        write(request_conn())
        return
    with current_app.extensions["geo_db"].connection() as conn:
        write(conn)


def _notice(data_version: int, served: Served) -> str:
    when = f" (changes up to {served.replayed_at:%d %b %Y %H:%M:%S} UTC)" if served.replayed_at else ""
    return (
        '<div class="nhsuk-inset-text geo-replica-notice" role="status" '
        f'data-data-version="{int(data_version)}"><p>This page comes from a copy of the database that is catching '
        f"up: it shows data version {int(data_version):,}{escape(when)}. Changes made since then will appear "
        "shortly.</p></div>"
    )


def register_write_marks(app: Flask) -> None:
    """Call before the connection handling: this after-request hook then runs once the write is committed."""

    @app.after_request
    def _mark_writer(response: Response) -> Response:
        routed = router()
        if routed is None or request.method in SAFE_METHODS or response.status_code >= 400:
            return response
        lsn = routed.primary_lsn(fresh=True)
        if lsn_value(lsn) is not None:
            response.set_cookie(
                COOKIE,
                lsn,
                max_age=COOKIE_MAX_AGE_S,
                httponly=True,
                samesite="Lax",
                secure=bool(app.config.get("GEO_COOKIE_SECURE", True)),
            )
        return response


def register(app: Flask) -> None:
    """Call last (its after-request hook then runs first, before compression)."""

    @app.after_request
    def _say_where(response: Response) -> Response:
        served: Served | None = g.get("geo_served")
        if served is None:
            return response
        response.headers["X-Geo-Read-From"] = served.source
        if not served.behind:
            return response
        try:
            conn = g.get("geo_conn")  # the request's replica connection, still lent
            if conn is not None:
                version = meta.current_version(conn)
            else:
                with current_app.extensions["geo_read_router"].replicas[served.replica].connection() as conn:
                    version = meta.current_version(conn)
        except Exception:  # noqa: BLE001 - the notice is extra; the answer stands without it
            log.info("could not read the lagging replica's data version", exc_info=True)
            return response
        response.headers["X-Geo-Data-Version"] = str(version)
        if served.replayed_at:
            response.headers["X-Geo-Replayed-At"] = served.replayed_at.isoformat()
        if response.mimetype == "text/html" and not response.direct_passthrough and not response.content_encoding:
            body = response.get_data(as_text=True)
            if _MAIN in body:
                response.set_data(body.replace(_MAIN, _MAIN + _notice(version, served), 1))
        return response
