"""JSON API, version 1: ``/api/v1/...``: what is loaded, and each scenario's scope.

``PATCH /api/v1/scenarios/<slug>`` changes a scenario's date, nation, pinned extracts or default boundary set;
it needs ``Authorization: Bearer <GEO_ADMIN_TOKEN>`` and is refused when no token is configured.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, jsonify, request

from geo_service import catalogue, scope
from geo_service.db.repositories import scope as scope_repo
from geo_service.errors import Forbidden, InvalidParameter
from geo_service.web.connection import get_conn

bp = Blueprint("api", __name__, url_prefix="/api/v1")

SETTABLE = ("as_of", "nation", "register", "list_sizes", "locations", "boundary_set")


@bp.get("/boundary-sets")
def boundary_sets():
    return jsonify({"boundary_sets": catalogue.boundary_sets(get_conn(), request.args.get("dataset"))})


@bp.get("/boundary-sets/<slug>/areas")
def areas(slug: str):
    return jsonify({"boundary_set": slug, "areas": catalogue.areas(get_conn(), slug)})


@bp.get("/scenarios")
def scenarios():
    return jsonify({"scenarios": catalogue.scenarios(get_conn(), request.args.get("dataset"))})


@bp.get("/extracts")
def extracts():
    rows = scope_repo.extracts(get_conn(), request.args.get("dataset"), request.args.get("kind"))
    return jsonify(
        {
            "extracts": [
                {
                    **{k: r[k] for k in ("id", "kind", "file_name", "dataset")},
                    "extract_date": r["extract_date"].isoformat() if r["extract_date"] else None,
                    "loaded_at": r["loaded_at"].isoformat(),
                }
                for r in rows
            ]
        }
    )


@bp.get("/scenarios/<slug>")
def scenario(slug: str):
    """The scenario's scope: date, dataset, nation, the extracts and boundary set it is judged on."""
    s = scope.resolve_scope(get_conn(), slug, request.args.get("boundary_set"), as_of=request.args.get("as_of"))
    return jsonify({"name": s.scenario["name"], "description": s.scenario["description"], **s.describe()})


def _require_admin() -> None:
    token = current_app.config.get("GEO_ADMIN_TOKEN")
    if not token:
        raise Forbidden(
            "Scenario settings are read-only here: set GEO_ADMIN_TOKEN on the server, or use "
            "'geo-service scenario set'."
        )
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise Forbidden("A valid 'Authorization: Bearer <token>' header is required to change a scenario.")


@bp.patch("/scenarios/<slug>")
def update_scenario(slug: str):
    _require_admin()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body:
        raise InvalidParameter("body", "Send a JSON object with any of: " + ", ".join(SETTABLE) + ".")
    unknown = sorted(set(body) - set(SETTABLE))
    if unknown:
        raise InvalidParameter(unknown[0], f"Unknown setting '{unknown[0]}'.", allowed=list(SETTABLE))
    conn = get_conn()
    with conn:  # one transaction: all settings or none
        s = scope.set_scenario(conn, slug, **body)
    return jsonify({"name": s.scenario["name"], **s.describe()})
