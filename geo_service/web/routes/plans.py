"""The plan editor: plans (scenarios made here) and their edits, as JSON under ``/api/v1/plans`` and as pages
under ``/plans``.

Every write is a :func:`geo_service.web.auth.write_route` (sign-in, role, CSRF) that parses the request (body,
``If-Match`` as the versions the client last saw, ``X-Edit-Session``), calls one use case of
:mod:`geo_service.plans.service` (who may, the version, the write and its audit row, in the request's one
transaction: refused, it changes nothing) and renders its answer. Edits answer with their delta (population and
flags before → after per touched network).
``register`` also installs the one read check for every route that names a scenario (draft and private plans).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, redirect, render_template, request, url_for

from geo_service.errors import InvalidParameter
from geo_service.plans import history, page_state, service, upload, visibility
from geo_service.web.auth import check_write, current_actor, write_route
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import database, get_conn
from geo_service.web.schemas import common
from geo_service.web.schemas import plans as sch

log = logging.getLogger(__name__)

bp = Blueprint("plans", __name__)

SESSION_HEADER = "X-Edit-Session"


def _object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise InvalidParameter("body", "Send a JSON object (Content-Type: application/json).")
    return body


def _expected() -> service.ExpectedVersion | None:
    """The plan versions the client last saw, from its ``If-Match`` (None: it sent none)."""
    return service.ExpectedVersion.from_if_match(request.headers.get("If-Match"))


def _session() -> str:
    """The editing session (undo and redo are per session), from ``X-Edit-Session``."""
    return service.parse_session(request.headers.get(SESSION_HEADER))


def _reply(payload: dict, status: int = 200) -> Response:
    resp = jsonify(payload)
    resp.status_code = status
    plan = payload.get("plan") if isinstance(payload.get("plan"), dict) else payload
    if isinstance(plan, dict) and plan.get("etag"):
        resp.headers["ETag"] = plan["etag"]
    resp.headers["Cache-Control"] = "no-store"
    return resp


# ---- JSON API -------------------------------------------------------------------------------------------


@bp.get("/api/v1/plans")
@operation(
    tags=["plans"],
    summary="Plans and scenarios the caller may see",
    responses={200: common.json_response(sch.PlanList)},
)
def list_plans():
    """Plans and scenarios the caller may see, with status and owner."""
    rows = service.visible_plans(get_conn(), current_actor())
    return _reply({"plans": [service.describe(r) for r in rows]})


@bp.post("/api/v1/plans")
@operation(
    tags=["plans"],
    summary="Create a plan, empty or as a copy of a scenario (editor)",
    body=sch.PlanCreateBody,
    responses={201: common.json_response(sch.Plan), **common.problems(400, 401, 403, 404, 409)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def create_plan(body: Any):
    return _reply(service.new_plan(get_conn(), current_actor(), _object(body)), 201)


@bp.get("/api/v1/plans/<slug>")
@operation(
    tags=["plans"],
    summary="One plan (or scenario): status, owner, version (ETag)",
    responses={200: common.json_response(sch.Plan), **common.problems(400, 404)},
)
def get_plan(slug: str):
    conn = get_conn()
    plan = service.get_plan(conn, slug)
    return _reply(service.describe(plan))


@bp.patch("/api/v1/plans/<slug>")
@operation(
    tags=["plans"],
    summary="Rename, describe, share or archive a plan (owner; If-Match)",
    body=sch.PlanUpdateBody,
    responses={200: common.json_response(sch.Plan), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def update_plan(slug: str, body: Any):
    actor = check_write("editor")
    return _reply(service.update_plan(get_conn(), actor, slug, _object(body), _expected()))


@bp.post("/api/v1/plans/<slug>/status")
@operation(
    tags=["plans"],
    summary="Submit, approve or withdraw a plan (If-Match)",
    body=sch.StatusBody,
    responses={200: common.json_response(sch.Plan), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role=("editor", "approver"))
def move_status(slug: str, body: Any):
    """Submit or withdraw (the plan's editors) or approve (an approver for every commissioner it covers who
    does not own it). A plan the caller may not see answers 404 before anything else (the visibility guard)."""
    to = _object(body).get("status")
    if not isinstance(to, str):
        raise InvalidParameter("status", "'status' is required.", allowed=list(service.STATUSES))
    return _reply(service.move_status(get_conn(), current_actor(), slug, to, _expected()))


@bp.get("/api/v1/plans/<slug>/editor")
@operation(
    tags=["plans"],
    summary="What the map editor starts from: networks, practices, polygons",
    query=sch.AreaQuery,
    responses={200: common.json_response(sch.EditorState), **common.problems(400, 404)},
)
def editor_state(slug: str, query: dict):
    conn = get_conn()
    plan = service.get_plan(conn, slug)
    return _reply(service.editor_state(conn, plan, query.get("area")))


@bp.get("/api/v1/plans/<slug>/unassigned")
@operation(
    tags=["plans"],
    summary="Unassigned practices with suggested networks that stay in band",
    query=sch.AreaQuery,
    responses={200: common.json_response(sch.Unassigned), **common.problems(400, 404)},
)
def unassigned(slug: str, query: dict):
    conn = get_conn()
    plan = service.get_plan(conn, slug)
    return _reply({**service.unassigned(conn, plan, query.get("area")), "etag": service.etag(plan)})


@bp.post("/api/v1/plans/<slug>/edits/<kind>")
@operation(
    tags=["plans"],
    summary="One edit of a draft plan, answered with its delta (If-Match)",
    path=sch.EditPath,
    body=sch.EditBody,
    body_for=lambda path: sch.EDIT_BODIES.get(path.get("kind", "")),
    responses={200: common.json_response(sch.EditResult), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def edit(slug: str, kind: str, body: Any):
    """One edit: assign, unassign, create, rename, merge, split, dissolve, geometry. Answers with the delta."""
    actor = check_write("editor")
    return _reply(service.edit(get_conn(), actor, slug, kind, _object(body), _expected(), _session()))


@bp.post("/api/v1/plans/<slug>/undo")
@operation(
    tags=["plans"],
    summary="Undo the editing session's latest edit (If-Match; X-Edit-Session)",
    responses={200: common.json_response(sch.EditResult), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def undo(slug: str):
    return _reply(service.undo(get_conn(), check_write("editor"), slug, _expected(), _session()))


@bp.post("/api/v1/plans/<slug>/redo")
@operation(
    tags=["plans"],
    summary="Redo the edit undone last (If-Match; X-Edit-Session)",
    responses={200: common.json_response(sch.EditResult), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def redo(slug: str):
    return _reply(service.redo(get_conn(), check_write("editor"), slug, _expected(), _session()))


@bp.put("/api/v1/plans/<slug>/networks/<code>/lock")
@operation(
    tags=["plans"],
    summary="Lock a network against edits (If-Match)",
    path=sch.LockPath,
    body=sch.LockBody,
    responses={200: common.json_response(sch.LockResult), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def lock(slug: str, code: str, body: Any):
    actor = check_write("editor")
    body = body or {}
    reason = body.get("reason") if isinstance(body, dict) else None
    if reason is not None and not isinstance(reason, str):
        raise InvalidParameter("reason", "'reason' must be text.")
    return _reply(service.set_lock(get_conn(), actor, slug, code, True, reason, _expected()))


@bp.delete("/api/v1/plans/<slug>/networks/<code>/lock")
@operation(
    tags=["plans"],
    summary="Unlock a network (If-Match)",
    path=sch.LockPath,
    responses={200: common.json_response(sch.LockResult), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def unlock(slug: str, code: str):
    return _reply(service.set_lock(get_conn(), check_write("editor"), slug, code, False, None, _expected()))


@bp.post("/api/v1/plans/<slug>/polygons")
@operation(
    tags=["plans"],
    summary="Upload network polygons: GeoJSON, KML, zipped Shapefile or GeoPackage, any CRS (If-Match)",
    description="One network (`network`: every feature makes its polygon) or many (`code_field`, or a field "
    "named network / code / pcn_code: each feature's network). Invalid geometry is repaired and reported in "
    "`repaired`; a file that cannot be used is refused whole (400 naming the file, feature and field) and "
    "nothing changes. One undoable edit; polygons get geom_origin 'uploaded'.",
    body=sch.UploadForm,
    body_media_type="multipart/form-data",
    responses={200: common.json_response(sch.UploadResult), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def upload_polygons(slug: str, body: Any):
    conn, actor, expected = get_conn(), check_write("editor"), _expected()
    service.writable(conn, actor, slug, expected)  # 404 / 403 / 428 / 412 before reading the file
    sent = body.get("file")
    if sent is None or not getattr(sent, "filename", None):
        raise InvalidParameter("file", "Send the file in a multipart form field named 'file'.")
    network = (body.get("network") or "").strip() or None
    code_field = (body.get("code_field") or "").strip() or None
    for name, value in (("network", network), ("code_field", code_field)):
        if value is not None and (len(value) > 64 or not value.isprintable()):
            raise InvalidParameter(name, f"'{name}' must be at most 64 printable characters.")
    file = service.PolygonFile(sent.filename, sent.read(upload.MAX_BYTES + 1), network, code_field)
    return _reply(service.upload_polygons(conn, actor, slug, expected, file, _session()))


@bp.post("/api/v1/plans/<slug>/polygons/derive")
@operation(
    tags=["plans"],
    summary="Derive every network's polygon from its members (non-overlapping territories; If-Match)",
    description="Member practices' Voronoi cells dissolved per network and clipped to the areas (EPSG:27700); "
    "polygons get geom_origin 'derived'. Refused (409) while a network of the plan is locked. One undoable edit "
    "(plans of at most 300 networks; `undoable` says).",
    responses={200: common.json_response(sch.DeriveResult), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def derive_polygons(slug: str):
    actor = check_write("editor")
    return _reply(service.derive_polygons(get_conn(), database(), actor, slug, _expected(), _session()))


# ---- pages ----------------------------------------------------------------------------------------------


@bp.get("/plans")
@operation(
    tags=["plans"],
    summary="Plans page: the plans you may see, and a form to make one",
    query=sch.PlansPageQuery,
    responses={200: common.html(), **common.problems(400)},
)
def plans_page(query: dict):
    """The copy form preselects ``copy_from`` (the scenario the planner came from, when they may see it) and
    fills in ``area``."""
    actor = current_actor()
    viewer = visibility.viewer_of(actor)
    rows = service.visible_plans(get_conn(), actor)
    wanted = query.get("copy_from")
    copy_from = next((r for r in rows if r["slug"] == wanted), None)
    return render_template(
        "plans/index.html",
        plans=rows,
        signed_in=viewer.user_id is not None or viewer.is_admin,
        copy_from=copy_from,
        copy_area=(query.get("area") or "").upper() or None,
    )


@bp.post("/plans")
@operation(
    tags=["plans"],
    summary="Create a plan from the page form (editor; CSRF token)",
    body=sch.PlanForm,
    body_media_type="application/x-www-form-urlencoded",
    responses={303: {"description": "To the new plan's editor."}, **common.problems(400, 401, 403, 404, 409)},
)
@write_route(role="editor")
def create_plan_form(body: Any):
    """The plans page's form: create a copy, then open it in the editor (on an area, if one was given)."""
    area = (body.get("area") or "").strip().upper()
    if area and not re.fullmatch(r"[A-Z0-9]{2,12}", area):
        raise InvalidParameter("area", "The area must be a commissioner code such as 99J.")
    wanted = {k: body[k] for k in ("name", "copy_from", "description") if body.get(k)}
    if area:
        wanted["area"] = area
    out = service.new_plan(get_conn(), current_actor(), wanted)
    return redirect(url_for("plans.editor_page", slug=out["slug"], area=area or None), code=303)


@bp.get("/plans/<slug>/edit")
@operation(
    tags=["plans"],
    summary="The map editor of a plan (a baseline redirects to the plans page to copy it)",
    query=sch.AreaQuery,
    responses={
        200: common.html(),
        303: {"description": "A baseline scenario: to the plans page, to copy it."},
        **common.problems(400, 404),
    },
)
def editor_page(slug: str, query: dict):
    conn = get_conn()
    plan = service.get_plan(conn, slug)
    if plan["status"] == "baseline":  # not a plan: offer to copy it
        return redirect(url_for("plans.plans_page", copy_from=plan["slug"]), code=303)
    rights = page_state.page_state(conn, plan, current_actor())
    return render_template("plans/editor.html", plan=service.describe(plan), area=query.get("area"), rights=rights)


@bp.get("/plans/<slug>/history")
@operation(
    tags=["plans"],
    summary="A plan's history in sentences, newest first (page)",
    query=sch.HistoryQuery,
    responses={200: common.html(), **common.problems(400, 404)},
)
def history_page(slug: str, query: dict):
    raw = query.get("page") or "1"
    page = int(raw) if str(raw).isdigit() else 0
    if page < 1:
        raise InvalidParameter("page", f"'page' must be a whole number from 1, got '{raw}'.")
    out = history.plan_history(get_conn(), current_actor(), slug, page)
    plan = service.describe(out.pop("plan"))
    return render_template("plans/history.html", plan=plan, **out)


def register(app: Flask) -> None:
    """The routes (the read check of every route naming a scenario is web/visibility_guard.py)."""
    app.register_blueprint(bp)
