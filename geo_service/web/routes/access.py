"""The sign-in and sign-out pages (issue 12, 21). Sessions, tokens and CSRF are
:mod:`geo_service.web.pipeline.sessions`; the write checks are :mod:`geo_service.web.auth`."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from flask_wtf.csrf import CSRFError

from geo_service.access import audit
from geo_service.access import service as access
from geo_service.errors import Forbidden
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import database, get_conn
from geo_service.web.pipeline.sessions import SessionUser, csrf, end_current_session
from geo_service.web.schemas import common

bp = Blueprint("access", __name__)


def _safe_next(target: str | None) -> str:
    """Only a local path (no scheme, no host, not '//'), else the home page: no open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("pages.index")


@bp.get("/sign-in")
@operation(tags=["access"], summary="Sign-in page", responses={200: common.html(), **common.problems(400)})
def sign_in_page():
    return sign_in()


@bp.post("/sign-in")
@operation(
    tags=["access"],
    summary="Sign in (form: username, password, CSRF token)",
    body_media_type="application/x-www-form-urlencoded",
    responses={200: common.html(), 302: {"description": "Signed in."}, **common.problems(400, 401, 403)},
)
def sign_in():
    error = None
    status = 200
    next_url = request.values.get("next")
    if request.method == "POST" and not current_app.extensions["geo_sign_in"].local_passwords:
        # issue 26: GEO_LOCAL_PASSWORDS=off, people sign in with the organisation's provider only
        error, status = "Passwords are turned off on this service: sign in with your organisation's account.", 403
    elif request.method == "POST":
        try:
            csrf.protect()
        except CSRFError:
            error, status = "The form had expired or was not sent by this site. Please try again.", 403
        else:
            # no pooled connection held during the (deliberately slow) password hash: issue 21
            actor = access.authenticate_pooled(
                database(), request.form.get("username", ""), request.form.get("password", "")
            )
            if actor is None:
                error, status = "The username or password is not right, or the account is disabled.", 401
            else:
                # issue 21: a new session (server-side id) and a new CSRF token at every sign-in, nothing kept
                # from before (session fixation); the old session, if any, ends
                end_current_session()
                session.clear()
                login_user(SessionUser(actor, access.start_session(get_conn(), actor)))
                audit.record(get_conn(), actor, "sign_in", "user", actor.id, None, None)
                return redirect(_safe_next(next_url))
    return render_template("access/sign_in.html", error=error, next_url=next_url or ""), status


@bp.post("/sign-out")
@operation(
    tags=["access"],
    summary="Sign out (form with CSRF token)",
    responses={302: {"description": "Signed out."}, **common.problems(403)},
)
def sign_out():
    try:
        csrf.protect()
    except CSRFError:
        raise Forbidden("The sign-out form had expired or was not sent by this site. Please try again.") from None
    end_current_session()
    logout_user()
    session.clear()
    g.pop("geo_actor", None)
    return redirect(url_for("pages.index"))
