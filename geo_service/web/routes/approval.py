"""Change requests to baseline scenarios: API and page (issue 12). Rules live in geo_service.approval.service.

* ``GET  /api/v1/scenarios/<scenario>/change-requests?status=pending|approved|rejected|all``
* ``POST /api/v1/scenarios/<scenario>/change-requests`` (editor): kind, practice, network, reason, effective_date
* ``POST /api/v1/change-requests/<id>/decision`` (approver for the commissioners involved, ``If-Match``):
  decision (approve | reject), comment
* ``GET  /scenarios/<scenario>/change-requests`` (page with the propose and decide forms)
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, url_for

from geo_service.approval import service
from geo_service.errors import InvalidParameter
from geo_service.web.auth import current_actor, etag, require_if_match, write_route
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.schemas import access as sch
from geo_service.web.schemas import common

bp = Blueprint("approval", __name__)


def _status(query: dict) -> str | None:
    status = query.get("status", "pending")
    return None if status == "all" else status


def _commissioners(request_id: int, **_: object) -> list[str]:
    """Whose approvers decide this request (404 for an unknown one, after the sign-in check)."""
    return list(service.get(get_conn(), request_id)["commissioner_codes"]) or ["*"]


@bp.get("/api/v1/scenarios/<scenario>/change-requests")
@operation(
    tags=["approval"],
    summary="Change requests of a scenario (pending by default)",
    query=sch.ChangeRequestQuery,
    responses={200: common.json_response(sch.ChangeRequestList), **common.problems(400, 404)},
)
def list_json(scenario: str, query: dict):
    return jsonify({"scenario": scenario, "change_requests": service.listing(get_conn(), scenario, _status(query))})


@bp.post("/api/v1/scenarios/<scenario>/change-requests")
@operation(
    tags=["approval"],
    summary="Propose a practice joining, leaving or moving network in a baseline (editor)",
    body=sch.ChangeRequestBody,
    responses={201: common.json_response(sch.ChangeRequest), **common.problems(400, 401, 403, 404, 409)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def propose_json(scenario: str, body: Any):
    if not isinstance(body, dict):
        raise InvalidParameter("body", "Send a JSON object: kind, practice, network, reason, effective_date.")
    conn = get_conn()
    with conn:
        made = service.propose(conn, current_actor(), scenario, body)
    return jsonify(made), 201, {"ETag": etag(made["version"])}


@bp.post("/api/v1/change-requests/<int:request_id>/decision")
@operation(
    tags=["approval"],
    summary="Approve or reject a change request (approver for its commissioners; If-Match)",
    path=sch.DecisionPath,
    body=sch.DecisionBody,
    responses={200: common.json_response(sch.ChangeRequest), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="approver", commissioner=_commissioners)
def decide_json(request_id: int, body: Any):
    if not isinstance(body, dict):
        raise InvalidParameter("body", "Send a JSON object: decision (approve or reject), comment.")
    conn = get_conn()
    with conn:
        req = service.get(conn, request_id, lock=True)
        require_if_match(req["version"], service.public(req))
        done = service.decide(
            conn, current_actor(), request_id, body.get("decision"), str(body.get("comment") or ""), req["version"]
        )
    return jsonify(done), 200, {"ETag": etag(done["version"])}


@bp.get("/scenarios/<scenario>/change-requests")
@operation(
    tags=["approval"],
    summary="Change requests page: propose, approve, reject",
    query=sch.ChangeRequestQuery,
    responses={200: common.html(), **common.problems(400, 404)},
)
def page(scenario: str, query: dict):
    conn = get_conn()
    status = _status(query)
    return render_template(
        "access/change_requests.html",
        scenario=scenario,
        status=status or "all",
        requests=service.listing(conn, scenario, status),
        actor=current_actor(),
        message=query.get("done"),
    )


@bp.post("/scenarios/<scenario>/change-requests")
@operation(
    tags=["approval"],
    summary="Propose a change from the page form (editor; CSRF token)",
    body=sch.ChangeRequestBody,
    body_media_type="application/x-www-form-urlencoded",
    responses={302: {"description": "Back to the page."}, **common.problems(400, 401, 403, 404, 409)},
)
@write_route(role="editor")
def propose_form(scenario: str, body: Any):
    conn = get_conn()
    with conn:
        made = service.propose(conn, current_actor(), scenario, body)
    return redirect(url_for("approval.page", scenario=scenario, done=f"proposed {made['id']}"))


@bp.post("/scenarios/<scenario>/change-requests/<int:request_id>/decision")
@operation(
    tags=["approval"],
    summary="Approve or reject from the page form (approver; CSRF token)",
    path=sch.ScenarioDecisionPath,
    body=sch.DecisionBody,
    body_media_type="application/x-www-form-urlencoded",
    responses={302: {"description": "Back to the page."}, **common.problems(400, 401, 403, 404, 409, 412)},
)
@write_route(role="approver", commissioner=_commissioners)
def decide_form(scenario: str, request_id: int, body: Any):
    form = body
    raw = form.get("version", "")
    if not raw.isdigit():
        raise InvalidParameter("version", "The form lost its version field: reload the page.")
    conn = get_conn()
    with conn:
        done = service.decide(
            conn, current_actor(), request_id, form.get("decision"), form.get("comment", ""), int(raw)
        )
    return redirect(url_for("approval.page", scenario=scenario, done=f"{done['status']} {request_id}"))
