"""Suggested networks over HTTP: ``POST /api/v1/plans/<slug>/suggest`` makes a draft plan owned by the caller
(one area at once; every area of a boundary set as a background job), ``GET /api/v1/suggest-jobs/<id>`` follows
a job, ``GET /api/v1/plans/<slug>/suggestion`` reads a suggested plan's scorecard and sentences again."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, url_for

from geo_service.access import audit
from geo_service.errors import InvalidParameter, NotFound, Unauthorized
from geo_service.plans import service as plans
from geo_service.scope import resolve_scope
from geo_service.suggest import jobs, service
from geo_service.web.auth import current_actor, write_route
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import database, get_conn
from geo_service.web.schemas import common
from geo_service.web.schemas import suggest as sch

log = logging.getLogger(__name__)

bp = Blueprint("suggest", __name__)


def _reply(payload: dict, status: int = 200, location: str | None = None) -> Response:
    resp = jsonify(payload)
    resp.status_code = status
    resp.headers["Cache-Control"] = "no-store"
    if location:
        resp.headers["Location"] = location
    return resp


def _start_worker() -> None:
    """The web process's queue worker thread (GEO_JOB_WORKER=thread), started once."""
    settings = current_app.extensions["geo_settings"]
    if settings.job_worker != "thread":
        return
    worker = current_app.extensions.get("geo_suggest_worker")
    if worker is None:
        worker = current_app.extensions["geo_suggest_worker"] = jobs.Worker(
            settings.database_url, database(), settings.job_heartbeat_seconds, settings.job_stalled_seconds
        )
    worker.ensure_started()


def _links(plan_slug: str, source: str, area: str | None) -> dict[str, str]:
    return {
        "plan": url_for("plans.get_plan", slug=plan_slug),
        "editor": url_for("plans.editor_page", slug=plan_slug, area=area)
        if area
        else url_for("plans.editor_page", slug=plan_slug),
        "compare": url_for("maps.compare", a=source, b=plan_slug, area=area)
        if area
        else url_for("maps.compare", a=source, b=plan_slug),
        "suggestion": url_for("suggest.get_suggestion", slug=plan_slug),
    }


@bp.post("/api/v1/plans/<slug>/suggest")
@operation(
    tags=["plans"],
    summary="Suggest networks in band with the fewest patients moved: a new draft plan (editor)",
    description="With `area`: the draft plan at once (201). Without it (every area of the boundary set) or with "
    "`background: true`: a job (202, `Location` to follow its progress).",
    path=sch.SuggestPath,
    body=sch.SuggestBody,
    responses={
        201: common.json_response(sch.Suggestion),
        202: common.json_response(sch.Job),
        **common.problems(400, 401, 403, 404, 409),
    },
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def suggest(slug: str, body: Any):
    conn = get_conn()
    actor = current_actor()
    source = plans.visible_plan(conn, actor, slug)
    if not isinstance(body, dict):
        raise InvalidParameter("body", "Send a JSON object (Content-Type: application/json).")
    body = dict(body)
    background = body.pop("background", False)
    if not isinstance(background, bool):
        raise InvalidParameter("background", "'background' must be true or false.")
    req = service.parse_request(source["slug"], body)
    if req.area is None or background:
        scope = resolve_scope(conn, source["slug"], req.boundary_set, req.area)  # refuse a bad scope now
        url = current_app.extensions["geo_settings"].database_url
        job_id = jobs.submit(conn, url, actor.id, req.as_dict(), 0 if req.area is None else 1)  # commits
        audit.record(conn, actor, "plan.suggest.queued", "suggest_job", job_id, None, req.as_dict(),
                     scenario_id=source["id"])  # fmt: skip
        row = jobs.job(conn, job_id)
        conn.commit()
        _start_worker()
        out = jobs.describe(row)
        out["boundary_set"] = scope.boundary_set["slug"]
        out["links"] = {"job": url_for("suggest.get_job", job_id=job_id)}
        return _reply(out, 202, location=out["links"]["job"])
    out = service.suggest(conn, req, actor.id, actor)
    out["links"] = _links(out["plan"]["slug"], source["slug"], out["area"])
    return _reply(out, 201, location=out["links"]["plan"])


@bp.get("/api/v1/suggest-jobs/<job_id>")
@operation(
    tags=["plans"],
    summary="A background suggestion: state, progress (areas done of all), the plan it made",
    path=sch.JobPath,
    responses={200: common.json_response(sch.Job), **common.problems(401, 404)},
    security=[{"apiToken": []}],
)
def get_job(job_id: str):
    actor = current_actor()
    if actor is None:
        raise Unauthorized("Sign in (or send 'Authorization: Bearer <token>') to follow a suggestion job.")
    conn = get_conn()
    row = jobs.job(conn, int(job_id))
    if row is None or (not actor.is_admin and row["owner_id"] != actor.id):
        raise NotFound(f"No suggestion job {job_id}.", parameter="job_id")
    _start_worker()  # a restarted process takes up waiting jobs
    out = jobs.describe(row)
    out["links"] = {"job": url_for("suggest.get_job", job_id=job_id)}
    if row["plan_slug"]:
        req = row["request"]
        out["links"].update(_links(row["plan_slug"], req["scenario"], req.get("area")))
    return _reply(out)


@bp.get("/api/v1/plans/<slug>/suggestion")
@operation(
    tags=["plans"],
    summary="The scorecard, sentences and notes of a suggested plan",
    path=sch.SuggestionPath,
    responses={200: common.json_response(sch.StoredSuggestion), **common.problems(404)},
)
def get_suggestion(slug: str):
    conn = get_conn()
    plan = plans.get_plan(conn, slug)
    found = service.stored(conn, plan)
    if found is None:
        raise NotFound(f"'{plan['name']}' was not made by a suggestion.", parameter="slug")
    found["links"] = _links(plan["slug"], found["source"], found["area"])
    return _reply(found)


def register(app: Flask) -> None:
    app.register_blueprint(bp)
