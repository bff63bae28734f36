"""The plan editor: plans (scenarios made here) and their edits, as JSON under ``/api/v1/plans`` and as pages
under ``/plans``.

Every write is a :func:`geo_service.web.auth.write_route` (sign-in, role, CSRF), needs ``If-Match`` with the
plan's ETag, is recorded in the audit log before → after, and runs in the request's one transaction: refused,
it changes nothing. Edits answer with their delta (population and flags before → after per touched network).
``register`` also installs the one read check for every route that names a scenario (draft and private plans).
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Flask, Response, jsonify, redirect, render_template, request, url_for

from geo_service.access import audit
from geo_service.db.repositories import plans as repo  # issue 24: to go (the plans services take these reads)
from geo_service.errors import Conflict, Forbidden, InvalidParameter, NotFound
from geo_service.plans import service, territories, upload, visibility
from geo_service.web.auth import check_write, current_actor, write_route
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import database, get_conn
from geo_service.web.schemas import common
from geo_service.web.schemas import plans as sch

log = logging.getLogger(__name__)

bp = Blueprint("plans", __name__)

SESSION_HEADER = "X-Edit-Session"


def _plan_for_write(slug: str):
    """The plan, checked for the caller: owner, a user it is shared with, or an admin."""
    conn = get_conn()
    plan = service.get_plan(conn, slug)
    actor = check_write("editor")
    if not visibility.can_view(conn, plan, visibility.viewer_of(actor)):
        raise NotFound(f"No scenario with slug '{slug}'.", parameter="slug")
    if not actor.is_admin and plan["owner_id"] != actor.id:
        if actor.id not in repo.shared_user_ids(conn, plan["id"]):
            raise Forbidden(
                f"Only the owner of '{plan['name']}', the people it is shared with and admins can change it."
            )
    return conn, plan, actor


def _json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidParameter("body", "Send a JSON object (Content-Type: application/json).")
    return body


def _editor(actor) -> service.Editor:
    return service.Editor(user_id=actor.id, session=service.parse_session(request.headers.get(SESSION_HEADER)))


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

    conn = get_conn()
    viewer = visibility.viewer_of(current_actor())
    rows = [r for r in repo.plans(conn) if visibility.can_view(conn, r, viewer)]
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
def create_plan():
    conn = get_conn()
    actor = current_actor()
    out = service.create_plan(conn, _json_body(), actor.id)
    plan = service.get_plan(conn, out["slug"])
    audit.record(conn, actor, "plan.create", "scenario", plan["id"], None, out, scenario_id=plan["id"])
    return _reply(out, 201)


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
def update_plan(slug: str):
    conn, plan, actor = _plan_for_write(slug)
    before, after = service.update_plan(conn, plan, _json_body(), request.headers.get("If-Match"))
    audit.record(conn, actor, "plan.update", "scenario", plan["id"], before, after, scenario_id=plan["id"])
    return _reply(after)


@bp.post("/api/v1/plans/<slug>/status")
@operation(
    tags=["plans"],
    summary="Submit, approve or withdraw a plan (If-Match)",
    body=sch.StatusBody,
    responses={200: common.json_response(sch.Plan), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role=("editor", "approver"))
def move_status(slug: str):
    """Submit or withdraw (the plan's editors) or approve (an approver for every commissioner it covers who
    does not own it). A plan the caller may not see answers 404 before anything else (the visibility guard)."""
    conn = get_conn()
    actor = current_actor()
    plan = service.get_plan(conn, slug)
    if not visibility.can_view(conn, plan, visibility.viewer_of(actor)):
        raise NotFound(f"No scenario with slug '{slug}'.", parameter="slug")
    body = _json_body()
    to = body.get("status")
    if not isinstance(to, str):
        raise InvalidParameter("status", "'status' is required.", allowed=list(service.STATUSES))
    rights = visibility.status_rights(conn, plan, actor)
    if service.MOVES.get((plan["status"], to)) == "approver" and not rights["approver"]:
        if rights["owner"]:
            raise Forbidden("Nobody approves their own plan: ask an approver for its commissioners.")
        codes = ", ".join(rights["commissioners"])
        raise Forbidden(f"Approving this plan needs the approver role for {codes}; {actor.username} lacks it.")
    before, after = service.move_status(conn, plan, to, rights, request.headers.get("If-Match"))
    audit.record(conn, actor, f"plan.status.{to}", "scenario", plan["id"], before, after, scenario_id=plan["id"])
    return _reply(after)


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


def _audited_edit(conn, plan: dict, actor, out: dict, action: str) -> Response:
    trail = out.pop("_audit")

    first = repo.network(conn, plan["id"], trail["networks"][0]) if trail["networks"] else None
    audit.record(
        conn,
        actor,
        action,
        "scenario",
        plan["id"],
        trail["before"],
        {**trail["after"], "delta": out["delta"]},
        scenario_id=plan["id"],
        network_id=first["id"] if first else None,
    )
    return _reply(out)


@bp.post("/api/v1/plans/<slug>/edits/<kind>")
@operation(
    tags=["plans"],
    summary="One edit of a draft plan, answered with its delta (If-Match)",
    path=sch.EditPath,
    body=sch.EditBody,
    responses={200: common.json_response(sch.EditResult), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def edit(slug: str, kind: str):
    """One edit: assign, unassign, create, rename, merge, split, dissolve, geometry. Answers with the delta."""
    conn, plan, actor = _plan_for_write(slug)
    out = service.edit(conn, plan, kind, _json_body(), _editor(actor), request.headers.get("If-Match"))
    return _audited_edit(conn, plan, actor, out, f"plan.edit.{kind}")


@bp.post("/api/v1/plans/<slug>/undo")
@operation(
    tags=["plans"],
    summary="Undo the editing session's latest edit (If-Match; X-Edit-Session)",
    responses={200: common.json_response(sch.EditResult), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def undo(slug: str):
    conn, plan, actor = _plan_for_write(slug)
    out = service.undo(conn, plan, _editor(actor), request.headers.get("If-Match"))
    return _audited_edit(conn, plan, actor, out, "plan.undo")


@bp.post("/api/v1/plans/<slug>/redo")
@operation(
    tags=["plans"],
    summary="Redo the edit undone last (If-Match; X-Edit-Session)",
    responses={200: common.json_response(sch.EditResult), **common.problems(400, 401, 403, 404, 409, 412, 428)},
    security=[{"apiToken": []}],
)
@write_route(role="editor")
def redo(slug: str):
    conn, plan, actor = _plan_for_write(slug)
    out = service.undo(conn, plan, _editor(actor), request.headers.get("If-Match"), redo=True)
    return _audited_edit(conn, plan, actor, out, "plan.redo")


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
def lock(slug: str, code: str):
    conn, plan, actor = _plan_for_write(slug)
    body = request.get_json(silent=True) or {}
    reason = body.get("reason") if isinstance(body, dict) else None
    if reason is not None and not isinstance(reason, str):
        raise InvalidParameter("reason", "'reason' must be text.")
    before, after = service.set_lock(conn, plan, code, True, reason, _editor(actor), request.headers.get("If-Match"))
    net = _network_id(conn, plan, code)
    audit.record(conn, actor, "network.lock", "network", net, before, after, scenario_id=plan["id"], network_id=net)
    return _reply({"network": _jsonable(after), "plan": service.describe(service.get_plan(conn, slug))})


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
    conn, plan, actor = _plan_for_write(slug)
    before, after = service.set_lock(conn, plan, code, False, None, _editor(actor), request.headers.get("If-Match"))
    net = _network_id(conn, plan, code)
    audit.record(conn, actor, "network.unlock", "network", net, before, after, scenario_id=plan["id"], network_id=net)
    return _reply({"network": _jsonable(after), "plan": service.describe(service.get_plan(conn, slug))})


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
def upload_polygons(slug: str):
    conn, plan, actor = _plan_for_write(slug)
    service.version_from_if_match(plan, request.headers.get("If-Match"))  # stale: 412 before reading the file
    sent = request.files.get("file")
    if sent is None or not sent.filename:
        raise InvalidParameter("file", "Send the file in a multipart form field named 'file'.")
    network = (request.form.get("network") or "").strip() or None
    code_field = (request.form.get("code_field") or "").strip() or None
    for name, value in (("network", network), ("code_field", code_field)):
        if value is not None and (len(value) > 64 or not value.isprintable()):
            raise InvalidParameter(name, f"'{name}' must be at most 64 printable characters.")
    data = sent.read(upload.MAX_BYTES + 1)
    conn.commit()  # issue 21: no transaction (nor row lock) held while the file is read; the version is rechecked
    got = upload.read_polygons(data, sent.filename, network, code_field)
    out = service.upload_polygons(conn, plan, got, _editor(actor), request.headers.get("If-Match"))
    out["repaired"] = got.repaired
    out["networks"] = [{"code": c, "feature": got.first_feature.get(c)} for c in sorted(got.polygons)]
    out["file"] = {"name": sent.filename, "format": got.file_format, "crs": got.crs, "features": got.features}
    out["_audit"]["after"]["file"] = out["file"]
    out["_audit"]["after"]["repaired"] = got.repaired
    return _audited_edit(conn, plan, actor, out, "plan.polygons.upload")


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

    conn, plan, actor = _plan_for_write(slug)
    version = service.version_from_if_match(plan, request.headers.get("If-Match"))
    service.check_editable(plan)
    locked = repo.locked_network_codes(conn, plan["id"])
    if locked:
        raise Conflict(f"Unlock {', '.join(locked)} first: deriving replaces every network's polygon.", reason="locked")
    before = repo.polygon_origins(conn, plan["id"])
    before_geoms = repo.network_geometries(conn, plan["id"])
    conn.commit()  # nothing written yet: the derivation, version bump, edit log and audit are one transaction
    done: dict = {}

    def record(write_conn, result) -> None:
        service.bump_version(write_conn, plan, version)
        after = repo.polygon_origins(write_conn, plan["id"])
        derived = sorted(c for c, o in after.items() if o == "derived")
        done["derived"] = derived
        done["counts"] = service.log_polygons_replaced(
            write_conn, plan, before_geoms, repo.network_geometries(write_conn, plan["id"]), _editor(actor),
            f"Polygons derived from membership for {len(derived):,} networks",
        )  # fmt: skip
        audit.record(write_conn, actor, "plan.polygons.derive", "scenario", plan["id"], {"polygons": before},
                     {"polygons": after, "summary": result.summary()}, scenario_id=plan["id"])  # fmt: skip

    _, result = territories.derive_and_save(database(), plan["slug"], then=record)
    summary = result.summary()
    fresh = service.get_plan(conn, plan["slug"])
    counts = done["counts"]
    return _reply({"networks": done["derived"], "summary": summary, "undoable": counts is not None, "undo": counts,
                   "plan": service.describe(fresh), "etag": service.etag(fresh)})  # fmt: skip


def _network_id(conn, plan: dict, code: str) -> int | None:

    row = repo.network(conn, plan["id"], code)
    return row["id"] if row else None


def _jsonable(row: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


# ---- pages ----------------------------------------------------------------------------------------------


@bp.get("/plans")
@operation(
    tags=["plans"], summary="Plans page: the plans you may see, and a form to make one", responses={200: common.html()}
)
def plans_page():

    conn = get_conn()
    viewer = visibility.viewer_of(current_actor())
    rows = [r for r in repo.plans(conn) if visibility.can_view(conn, r, viewer)]
    return render_template("plans/index.html", plans=rows, signed_in=viewer.user_id is not None or viewer.is_admin)


@bp.post("/plans")
@operation(
    tags=["plans"],
    summary="Create a plan from the page form (editor; CSRF token)",
    body=sch.PlanForm,
    body_media_type="application/x-www-form-urlencoded",
    responses={303: {"description": "To the new plan's editor."}, **common.problems(400, 401, 403, 404, 409)},
)
@write_route(role="editor")
def create_plan_form():
    """The plans page's form: create a copy, then open it in the editor (on an area, if one was given)."""
    conn = get_conn()
    actor = current_actor()
    area = (request.form.get("area") or "").strip().upper()
    if area and not re.fullmatch(r"[A-Z0-9]{2,12}", area):
        raise InvalidParameter("area", "The area must be a commissioner code such as 99J.")
    body = {k: request.form.get(k) for k in ("name", "copy_from", "description") if request.form.get(k)}
    if area:
        body["area"] = area
    out = service.create_plan(conn, body, actor.id)
    plan = service.get_plan(conn, out["slug"])
    audit.record(conn, actor, "plan.create", "scenario", plan["id"], None, out, scenario_id=plan["id"])
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
    return render_template("plans/editor.html", plan=service.describe(plan), area=query.get("area"))


def register(app: Flask) -> None:
    """The routes (the read check of every route naming a scenario is web/visibility_guard.py)."""
    app.register_blueprint(bp)
