"""/healthz: liveness plus database and PostGIS reachability."""

from __future__ import annotations

from flask import Blueprint

from geo_service import health
from geo_service.web.connection import database

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return health.check(database()), 200, {"Cache-Control": "no-store"}
