"""Sign in with the organisation's OpenID provider (issue 26): ``POST /sign-in/oidc`` (the sign-in page's button,
CSRF-checked) sends the browser to the provider; ``GET /sign-in/oidc/callback`` is where it comes back.
The work is :mod:`geo_service.access.oidc`; sessions are rotated as at a password sign-in
(:mod:`geo_service.web.routes.access`). With no ``GEO_OIDC_ISSUER`` both answer 404."""

from __future__ import annotations

from urllib.parse import urlsplit

import marshmallow as ma
from flask import Blueprint, Flask, current_app, redirect, render_template, request, session, url_for
from flask_login import login_user
from flask_wtf.csrf import CSRFError
from marshmallow import fields, validate

from geo_service.access import audit, oidc_settings
from geo_service.access import service as access
from geo_service.access.oidc import OidcClient, audit_refusal
from geo_service.access.refusals import SignInRefused
from geo_service.errors import NotFound
from geo_service.web.openapi import operation
from geo_service.web.pipeline.connection import database, get_conn
from geo_service.web.pipeline.input_validation import ENDPOINT_RULES
from geo_service.web.pipeline.sessions import SessionUser, csrf, end_current_session
from geo_service.web.schemas import common

bp = Blueprint("oidc", __name__)
STATE_KEY = "geo_oidc_state"
_CALLBACK_RULES = ENDPOINT_RULES["oidc.callback"]


def _field(name: str, description: str) -> fields.Field:
    rule = _CALLBACK_RULES[name]
    checks = [
        validate.Length(max=rule.max_length, error=f"'{name}' is too long: at most {rule.max_length} characters.")
    ]
    if rule.pattern is not None:
        checks.append(validate.Regexp(rule.pattern, error=f"'{name}' must be {rule.meaning}."))
    return fields.String(validate=checks, metadata={"description": description})


class CallbackQuery(ma.Schema):
    code = _field("code", "The authorisation code (RFC 6749 4.1.2).")
    state = _field("state", "The state this service sent with the browser.")
    iss = _field("iss", "The provider's issuer identifier (RFC 9207), checked when sent.")
    session_state = _field("session_state", "The provider's session (OpenID Session Management); not used.")
    error = _field("error", "The provider's error code, when it did not sign the person in.")
    error_description = _field("error_description", "The provider's words for the error.")
    error_uri = _field("error_uri", "A page about the error.")


class StartForm(ma.Schema):
    csrf_token = fields.String(required=True, metadata={"description": "The sign-in page's CSRF token."})
    next = fields.String(metadata={"description": "A local path to return to after signing in."})


def _local_path(target: str | None) -> str | None:
    """Only a local path (no scheme, no host, not '//'): no open redirect (as the password sign-in)."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return None


def _client() -> OidcClient:
    client = current_app.extensions.get("geo_oidc")
    if client is None:
        raise NotFound("Single sign-on is not set up on this service (GEO_OIDC_ISSUER).")
    return client


def _refused(message: str, status: int):
    return render_template("access/sign_in.html", error=message, next_url=""), status


@bp.post("/sign-in/oidc")
@operation(
    tags=["access"],
    summary="Start signing in with the organisation's OpenID provider (form: CSRF token, next)",
    body=StartForm,
    body_media_type="application/x-www-form-urlencoded",
    responses={302: {"description": "To the provider's sign-in page."}, 200: common.html(),
               **common.problems(403, 404, 503)},
)  # fmt: skip
def start():
    client = _client()
    try:
        csrf.protect()
    except CSRFError:
        return _refused("The form had expired or was not sent by this site. Please try again.", 403)
    try:
        started = client.begin(database(), _local_path(request.form.get("next")))
    except SignInRefused as refusal:
        audit_refusal(database(), refusal, client.settings.issuer)
        return _refused(refusal.message, refusal.status)
    session[STATE_KEY] = started.state  # the callback must come back to this browser
    return redirect(started.url)


@bp.get("/sign-in/oidc/callback")
@operation(
    tags=["access"],
    summary="Where the OpenID provider sends the browser back (authorisation code, state)",
    query=CallbackQuery,
    responses={302: {"description": "Signed in."}, 200: common.html(), **common.problems(400, 401, 403, 404, 503)},
)
def callback(query):
    client = _client()
    browser_state = session.pop(STATE_KEY, None)
    try:
        signed = client.complete(database(), query, browser_state)
    except SignInRefused as refusal:
        audit_refusal(database(), refusal, client.settings.issuer)
        return _refused(refusal.message, refusal.status)
    actor = signed.actor
    # issue 21: a new session (server-side id) and a new CSRF token at every sign-in; the old session ends
    end_current_session()
    session.clear()
    login_user(SessionUser(actor, access.start_session(get_conn(), actor)))
    audit.record(get_conn(), actor, "sign_in", "user", actor.id, None,
                 {"method": "oidc", "issuer": client.settings.issuer, "subject": signed.claims["sub"],
                  "account_created": signed.created})  # fmt: skip
    return redirect(_local_path(signed.next_url) or url_for("pages.index"))


def sign_in_options() -> dict:
    """What the sign-in page offers: the password form (unless GEO_LOCAL_PASSWORDS=off) and the provider's button."""
    settings = current_app.extensions["geo_sign_in"]
    return {"local_passwords": settings.local_passwords,
            "oidc_name": settings.oidc.provider_name if settings.oidc else None}  # fmt: skip


def register(app: Flask) -> None:
    """Parse the sign-in settings (a mistake stops the start, naming the setting) and add the routes."""
    settings = oidc_settings.parse(app.config)
    app.extensions["geo_sign_in"] = settings
    if settings.oidc is not None:
        app.extensions["geo_oidc"] = OidcClient(settings.oidc)
    app.register_blueprint(bp)
    app.context_processor(lambda: {"sign_in_options": sign_in_options})
