"""JSON API, version 1: ``/api/v1/...``."""

from __future__ import annotations

from flask import Blueprint, jsonify

from geo_service import catalogue
from geo_service.web.connection import get_conn

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/boundary-sets")
def boundary_sets():
    return jsonify({"boundary_sets": catalogue.boundary_sets(get_conn())})


@bp.get("/boundary-sets/<slug>/areas")
def areas(slug: str):
    return jsonify({"boundary_set": slug, "areas": catalogue.areas(get_conn(), slug)})


@bp.get("/scenarios")
def scenarios():
    return jsonify({"scenarios": catalogue.scenarios(get_conn())})
