"""/healthz: liveness plus database and PostGIS reachability."""

from __future__ import annotations

from flask import Blueprint

from geo_service import health
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import database
from geo_service.web.schemas import common
from geo_service.web.schemas.pages import Health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@operation(
    tags=["meta"],
    summary="Liveness, database and PostGIS reachability",
    responses={200: common.json_response(Health), **common.problems(503)},
)
def healthz():
    return health.check(database()), 200, {"Cache-Control": "no-store"}
