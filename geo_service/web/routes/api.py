"""JSON API, version 1: ``/api/v1/...``: what is loaded, and each scenario's scope.

``PATCH /api/v1/scenarios/<slug>`` changes a scenario's date, nation, pinned extracts or default boundary set;
it needs an admin, or an editor who owns the scenario (session or API token; ``GEO_ADMIN_TOKEN`` is a bootstrap
admin token), and ``If-Match`` with the scenario's ETag (``GET /api/v1/scenarios/<slug>`` sends it).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from geo_service import catalogue, scope
from geo_service.plans import service as plans
from geo_service.plans.visibility import without_hidden
from geo_service.web.auth import current_actor, etag, write_route
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.pipeline.visibility_guard import hidden_for_request
from geo_service.web.schemas import catalogue as cat
from geo_service.web.schemas import common

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/boundary-sets")
@operation(
    tags=["catalogue"],
    summary="Boundary sets loaded (CCG, sub-ICB, ICB, region vintages)",
    query=cat.DatasetQuery,
    responses={200: common.json_response(cat.BoundarySets), **common.problems(400)},
)
def boundary_sets(query: dict):
    return jsonify({"boundary_sets": catalogue.boundary_sets(get_conn(), query.get("dataset"))})


@bp.get("/boundary-sets/<slug>/areas")
@operation(
    tags=["catalogue"],
    summary="Areas of a boundary set, with their codes and practice counts",
    path=common.BoundarySetPath,
    responses={200: common.json_response(cat.Areas), **common.problems(400, 404)},
)
def areas(slug: str):
    return jsonify({"boundary_set": slug, "areas": catalogue.areas(get_conn(), slug)})


@bp.get("/scenarios")
@operation(
    tags=["scenarios"],
    summary="Scenarios (proposed network maps) and their scope",
    query=cat.DatasetQuery,
    responses={200: common.json_response(cat.Scenarios), **common.problems(400)},
)
def scenarios(query: dict):
    rows = catalogue.scenarios(get_conn(), query.get("dataset"))
    return jsonify({"scenarios": without_hidden(rows, hidden_for_request())})  # issue 12: draft / private plans


@bp.get("/extracts")
@operation(
    tags=["catalogue"],
    summary="Extracts loaded (register, list sizes, locations, boundaries...)",
    query=cat.ExtractsQuery,
    responses={200: common.json_response(cat.Extracts), **common.problems(400)},
)
def extracts(query: dict):
    rows = catalogue.extract_rows(get_conn(), query.get("dataset"), query.get("kind"))
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
@operation(
    tags=["scenarios"],
    summary="One scenario's scope: date, dataset, extracts, boundary set",
    query=cat.ScenarioQuery,
    responses={200: common.json_response(cat.Scenario), **common.problems(400, 404)},
)
def scenario(slug: str, query: dict):
    """The scenario's scope: date, dataset, nation, the extracts and boundary set it is judged on."""
    conn = get_conn()
    s = scope.resolve_scope(conn, slug, query.get("boundary_set"), as_of=query.get("as_of"))
    response = jsonify({"name": s.scenario["name"], "description": s.scenario["description"], **s.describe()})
    response.headers["ETag"] = etag(plans.settings_version(conn, slug))
    return response


@bp.patch("/scenarios/<slug>")
@operation(
    tags=["scenarios"],
    summary="Change a scenario's date, nation, pinned extracts or boundary set (editor or admin; If-Match)",
    body=cat.ScenarioSettings,
    responses={200: common.json_response(cat.Scenario), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def update_scenario(slug: str, body: Any):
    changes = body
    expected = plans.ExpectedVersion.from_if_match(request.headers.get("If-Match"))
    s, version = plans.update_settings(get_conn(), current_actor(), slug, changes, expected)
    response = jsonify({"name": s.scenario["name"], **s.describe()})
    response.headers["ETag"] = etag(version)
    return response
