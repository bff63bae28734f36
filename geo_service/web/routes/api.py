"""JSON API, version 1: ``/api/v1/...``: what is loaded, and each scenario's scope.

``PATCH /api/v1/scenarios/<slug>`` changes a scenario's date, nation, pinned extracts or default boundary set;
it needs an admin, or an editor who owns the scenario (session or API token; ``GEO_ADMIN_TOKEN`` is a bootstrap
admin token), and ``If-Match`` with the scenario's ETag (``GET /api/v1/scenarios/<slug>`` sends it).
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, jsonify, request

from geo_service import catalogue, scope
from geo_service.access import audit
from geo_service.db.repositories import scenario_versions
from geo_service.db.repositories import scope as scope_repo
from geo_service.errors import Forbidden, InvalidParameter, NotFound
from geo_service.plans.visibility import without_hidden
from geo_service.web.auth import current_actor, etag, require_if_match, write_route
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.pipeline.visibility_guard import hidden_for_request
from geo_service.web.schemas import catalogue as cat
from geo_service.web.schemas import common

bp = Blueprint("api", __name__, url_prefix="/api/v1")

SETTABLE = ("as_of", "nation", "register", "list_sizes", "locations", "boundary_set")


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
    response.headers["ETag"] = etag(_settings_version(catalogue.scenario_row(conn, slug)))
    return response


def _settings(row: dict) -> dict:
    """The scenario's settable state (what PATCH changes), JSON-ready."""
    keys = ("as_of", "nation", "register_extract_id", "list_size_extract_id", "location_extract_id", "boundary_set_id")
    return {k: (row[k].isoformat() if k == "as_of" else row[k]) for k in keys}


def _settings_version(row: dict) -> str:
    """A content version of the settings: any change by anyone gives a new ETag."""
    return hashlib.sha256(json.dumps(_settings(row), sort_keys=True).encode()).hexdigest()[:16]


@bp.patch("/scenarios/<slug>")
@operation(
    tags=["scenarios"],
    summary="Change a scenario's date, nation, pinned extracts or boundary set (editor or admin; If-Match)",
    body=cat.ScenarioSettings,
    responses={200: common.json_response(cat.Scenario), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def update_scenario(slug: str):
    actor = current_actor()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not body:
        raise InvalidParameter("body", "Send a JSON object with any of: " + ", ".join(SETTABLE) + ".")
    unknown = sorted(set(body) - set(SETTABLE))
    if unknown:
        raise InvalidParameter(unknown[0], f"Unknown setting '{unknown[0]}'.", allowed=list(SETTABLE))
    conn = get_conn()
    with conn:  # one transaction: the version check, all settings or none, and the audit row
        scenario_versions.lock_scenario(conn, slug)
        before = scope_repo.scenario(conn, slug)
        if before is None:
            raise NotFound(f"No scenario with slug '{slug}'.", parameter="scenario")
        owner = scenario_versions.owner_id(conn, slug)
        if not actor.is_admin and owner != actor.id:
            raise Forbidden(
                f"Only an admin or the scenario's owner may change its settings; {actor.username} is neither."
            )
        require_if_match(_settings_version(before), _settings(before))
        s = scope.set_scenario(conn, slug, **body)
        after = scope_repo.scenario(conn, slug)
        audit.record(conn, actor, "scenario.settings", "scenario", before["slug"], _settings(before), _settings(after),
                     scenario_id=before["id"])  # fmt: skip
    response = jsonify({"name": s.scenario["name"], **s.describe()})
    response.headers["ETag"] = etag(_settings_version(after))
    return response
