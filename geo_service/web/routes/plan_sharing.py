"""Sharing a draft or private plan with named users (issue 12): JSON under ``/api/v1/plans/<slug>/shares`` and the
small form of ``templates/plans/_sharing.html`` (POST ``/plans/<slug>/shares``).

Only the plan's owner and admins share and unshare. Every write is a ``write_route`` (sign-in, role, CSRF), needs
the plan's ETag in ``If-Match`` (the form sends it as the hidden ``etag`` field), bumps the plan's version and is
recorded in the audit log (usernames shared with, before → after): :mod:`geo_service.plans.sharing` does it. Reading
the list is for whoever may see the plan (the visibility guard answers 404 to anyone else).
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Blueprint, Flask, jsonify, redirect, request, url_for
from marshmallow import fields

from geo_service.errors import InvalidParameter
from geo_service.plans import service, sharing, visibility
from geo_service.web.auth import check_write, current_actor, write_route
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import get_conn
from geo_service.web.schemas import common

bp = Blueprint("plan_sharing", __name__)


class Share(common.Body):
    username = fields.String(required=True)
    display_name = fields.String(allow_none=True)
    shared_at = fields.String(required=True, metadata={"description": "When it was shared (ISO 8601)."})


class Shares(common.Body):
    slug = fields.String(required=True)
    etag = fields.String(required=True, metadata={"description": "The plan's ETag: send it as If-Match."})
    may_share = fields.Boolean(required=True, metadata={"description": "Whether the caller may share / unshare."})
    shares = fields.List(fields.Nested(Share), required=True)


class ShareForm(ma.Schema):
    username = fields.String(required=True, metadata={"description": "Who to share the plan with (or unshare)."})
    action = fields.String(required=True, metadata={"enum": ["share", "unshare"]})
    etag = fields.String(required=True, metadata={"description": "The plan's ETag as the page showed it."})
    csrf_token = fields.String(required=True)


def _visible_plan(slug: str) -> dict:
    return service.visible_plan(get_conn(), current_actor(), slug)


def sharing_state(conn, plan: dict) -> dict:
    actor = current_actor()
    return {
        "slug": plan["slug"],
        "etag": service.etag(plan),
        "may_share": actor is not None and visibility.may_share(plan, actor.id, actor.is_admin),
        "shares": visibility.shares(conn, plan),
    }


def _change(slug: str, username: str, shared: bool, if_match: str | None) -> dict:
    conn = get_conn()
    plan = sharing.change_sharing(conn, check_write("editor"), slug, username, shared, if_match)
    return sharing_state(conn, plan)


def _reply(state: dict, status: int = 200):
    resp = jsonify(state)
    resp.status_code = status
    resp.headers["ETag"] = state["etag"]
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/api/v1/plans/<slug>/shares")
@operation(
    tags=["plans"],
    summary="Who a plan is shared with",
    responses={200: common.json_response(Shares), **common.problems(404)},
    security=[{"apiToken": []}],
)
def list_shares(slug: str):
    return _reply(sharing_state(get_conn(), _visible_plan(slug)))


@bp.put("/api/v1/plans/<slug>/shares/<username>")
@write_route(role="editor")
@operation(
    tags=["plans"],
    summary="Share a plan with a user (owner or admin; If-Match)",
    responses={200: common.json_response(Shares), **common.problems(400, 401, 403, 404, 412, 428)},
    security=[{"apiToken": []}],
)
def share(slug: str, username: str):
    return _reply(_change(slug, username, True, request.headers.get("If-Match")))


@bp.delete("/api/v1/plans/<slug>/shares/<username>")
@write_route(role="editor")
@operation(
    tags=["plans"],
    summary="Stop sharing a plan with a user (owner or admin; If-Match)",
    responses={200: common.json_response(Shares), **common.problems(400, 401, 403, 404, 412, 428)},
    security=[{"apiToken": []}],
)
def unshare(slug: str, username: str):
    return _reply(_change(slug, username, False, request.headers.get("If-Match")))


@bp.post("/plans/<slug>/shares")
@write_route(role="editor")
@operation(
    tags=["plans"],
    summary="Share or unshare a plan from its page (form)",
    body=ShareForm,
    body_media_type="application/x-www-form-urlencoded",
    responses={303: {"description": "Back to the plan's editor."}, **common.problems(400, 401, 403, 404, 412)},
)
def share_form(slug: str, body: Any):
    action = body.get("action", "")
    if action not in ("share", "unshare"):
        raise InvalidParameter("action", "'action' must be 'share' or 'unshare'.", allowed=["share", "unshare"])
    _change(slug, body.get("username", ""), action == "share", body.get("etag"))
    return redirect(url_for("plans.editor_page", slug=slug) + "#plan-sharing", code=303)


def register(app: Flask) -> None:
    """The routes, and ``plan_sharing(plan)`` for ``templates/plans/_sharing.html``."""
    app.register_blueprint(bp)

    @app.context_processor
    def _sharing_in_templates():
        def plan_sharing(plan: dict) -> dict:
            conn = get_conn()
            return sharing_state(conn, service.get_plan(conn, plan["slug"]))

        return {"plan_sharing": plan_sharing}
