"""The plan editor: plans (scenarios made here) and their edits, as JSON under ``/api/v1/plans`` and as pages
under ``/plans``.

Every write is a :func:`geo_service.web.access.write_route` (sign-in, role, CSRF), needs ``If-Match`` with the
plan's ETag, is recorded in the audit log before → after, and runs in the request's one transaction: refused,
it changes nothing. Edits answer with their delta (population and flags before → after per touched network).
``register`` also installs the one read check for every route that names a scenario (draft and private plans).
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Flask, Response, jsonify, redirect, render_template, request, url_for

from geo_service.access import audit
from geo_service.errors import Forbidden, InvalidParameter, NotFound
from geo_service.plans import service, visibility
from geo_service.web.access import check_write, current_actor, write_route
from geo_service.web.connection import get_conn

log = logging.getLogger(__name__)

bp = Blueprint("plans", __name__)

SESSION_HEADER = "X-Edit-Session"


def _viewer() -> visibility.Viewer:
    actor = current_actor()
    if actor is None:
        return visibility.ANONYMOUS
    return visibility.Viewer(user_id=actor.id, is_admin=actor.is_admin)


def check_scenario_visible() -> None:
    """Before every route: a scenario named in the path (``scenario``/``slug``) or query (``scenario``, ``a``,
    ``b``) that the caller may not see answers 404, as if it did not exist."""
    if request.endpoint is None or request.endpoint == "static":
        return
    named: list[str] = []
    rule = request.url_rule.rule if request.url_rule is not None else ""
    for key in ("scenario", "slug"):
        value = (request.view_args or {}).get(key)
        if isinstance(value, str) and not (key == "slug" and "boundary-sets" in rule):
            named.append(value)
    for key in ("scenario", "a", "b"):
        named.extend(v for v in request.args.getlist(key) if v)
    if not named:
        return
    if request.method not in ("GET", "HEAD"):
        return  # writes: the write route's checks answer first (401 / 403), then the view's own read check
    viewer = _viewer()
    conn = get_conn()
    for slug in named:
        if not visibility.can_view_slug(conn, slug, viewer):
            raise NotFound(f"No scenario with slug '{slug}'.", parameter="scenario")


def _plan_for_write(slug: str):
    """The plan, checked for the caller: owner, a user it is shared with, or an admin."""
    conn = get_conn()
    plan = service.get_plan(conn, slug)
    actor = check_write("editor")
    if not visibility.can_view(conn, plan, visibility.Viewer(actor.id, actor.is_admin)):
        raise NotFound(f"No scenario with slug '{slug}'.", parameter="slug")
    if not actor.is_admin and plan["owner_id"] != actor.id:
        from geo_service.db.repositories import plans as repo

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
def list_plans():
    """Plans and scenarios the caller may see, with status and owner."""
    from geo_service.db.repositories import plans as repo

    conn = get_conn()
    viewer = _viewer()
    rows = [r for r in repo.plans(conn) if visibility.can_view(conn, r, viewer)]
    return _reply({"plans": [service.describe(r) for r in rows]})


@bp.post("/api/v1/plans")
@write_route(role="editor")
def create_plan():
    conn = get_conn()
    actor = current_actor()
    out = service.create_plan(conn, _json_body(), actor.id)
    plan = service.get_plan(conn, out["slug"])
    audit.record(conn, actor, "plan.create", "scenario", plan["id"], None, out, scenario_id=plan["id"])
    return _reply(out, 201)


@bp.get("/api/v1/plans/<slug>")
def get_plan(slug: str):
    conn = get_conn()
    plan = service.get_plan(conn, slug)
    return _reply(service.describe(plan))


@bp.patch("/api/v1/plans/<slug>")
@write_route(role="editor")
def update_plan(slug: str):
    conn, plan, actor = _plan_for_write(slug)
    before, after = service.update_plan(conn, plan, _json_body(), request.headers.get("If-Match"))
    audit.record(conn, actor, "plan.update", "scenario", plan["id"], before, after, scenario_id=plan["id"])
    return _reply(after)


@bp.post("/api/v1/plans/<slug>/status")
@write_route(role="editor")
def move_status(slug: str):
    conn = get_conn()
    plan = service.get_plan(conn, slug)
    actor = check_write("editor")
    body = _json_body()
    to = body.get("status")
    if not isinstance(to, str):
        raise InvalidParameter("status", "'status' is required.", allowed=list(service.STATUSES))
    owner = actor.is_admin or plan["owner_id"] == actor.id
    roles = {"editor": owner, "approver": actor.is_admin or actor.has_role("approver")}
    before, after = service.move_status(conn, plan, to, roles, request.headers.get("If-Match"))
    audit.record(conn, actor, f"plan.status.{to}", "scenario", plan["id"], before, after, scenario_id=plan["id"])
    return _reply(after)


@bp.get("/api/v1/plans/<slug>/editor")
def editor_state(slug: str):
    conn = get_conn()
    plan = service.get_plan(conn, slug)
    return _reply(service.editor_state(conn, plan, request.args.get("area")))


@bp.get("/api/v1/plans/<slug>/unassigned")
def unassigned(slug: str):
    conn = get_conn()
    plan = service.get_plan(conn, slug)
    return _reply({**service.unassigned(conn, plan, request.args.get("area")), "etag": service.etag(plan)})


def _audited_edit(conn, plan: dict, actor, out: dict, action: str) -> Response:
    trail = out.pop("_audit")
    from geo_service.db.repositories import plans as repo

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
@write_route(role="editor")
def edit(slug: str, kind: str):
    """One edit: assign, unassign, create, rename, merge, split, dissolve, geometry. Answers with the delta."""
    conn, plan, actor = _plan_for_write(slug)
    out = service.edit(conn, plan, kind, _json_body(), _editor(actor), request.headers.get("If-Match"))
    return _audited_edit(conn, plan, actor, out, f"plan.edit.{kind}")


@bp.post("/api/v1/plans/<slug>/undo")
@write_route(role="editor")
def undo(slug: str):
    conn, plan, actor = _plan_for_write(slug)
    out = service.undo(conn, plan, _editor(actor), request.headers.get("If-Match"))
    return _audited_edit(conn, plan, actor, out, "plan.undo")


@bp.post("/api/v1/plans/<slug>/redo")
@write_route(role="editor")
def redo(slug: str):
    conn, plan, actor = _plan_for_write(slug)
    out = service.undo(conn, plan, _editor(actor), request.headers.get("If-Match"), redo=True)
    return _audited_edit(conn, plan, actor, out, "plan.redo")


@bp.put("/api/v1/plans/<slug>/networks/<code>/lock")
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
@write_route(role="editor")
def unlock(slug: str, code: str):
    conn, plan, actor = _plan_for_write(slug)
    before, after = service.set_lock(conn, plan, code, False, None, _editor(actor), request.headers.get("If-Match"))
    net = _network_id(conn, plan, code)
    audit.record(conn, actor, "network.unlock", "network", net, before, after, scenario_id=plan["id"], network_id=net)
    return _reply({"network": _jsonable(after), "plan": service.describe(service.get_plan(conn, slug))})


def _network_id(conn, plan: dict, code: str) -> int | None:
    from geo_service.db.repositories import plans as repo

    row = repo.network(conn, plan["id"], code)
    return row["id"] if row else None


def _jsonable(row: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


# ---- pages ----------------------------------------------------------------------------------------------


@bp.get("/plans")
def plans_page():
    from geo_service.db.repositories import plans as repo

    conn = get_conn()
    viewer = _viewer()
    rows = [r for r in repo.plans(conn) if visibility.can_view(conn, r, viewer)]
    return render_template("plans/index.html", plans=rows, signed_in=viewer.user_id is not None or viewer.is_admin)


@bp.post("/plans")
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
def editor_page(slug: str):
    conn = get_conn()
    plan = service.get_plan(conn, slug)
    if plan["status"] == "baseline":
        raise NotFound(f"'{plan['name']}' is a baseline scenario, not a plan: copy it into a plan to edit it.")
    return render_template("plans/editor.html", plan=service.describe(plan), area=request.args.get("area"))


def register(app: Flask) -> None:
    """The read check first (before any scenario route runs), then the routes."""
    app.before_request(check_scenario_visible)
    app.register_blueprint(bp)
