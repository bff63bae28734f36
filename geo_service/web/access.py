"""Sign-in, roles, CSRF, request ids and optimistic concurrency for every write route (issue 12).

* Browser sessions: Flask-Login (``/sign-in``, ``/sign-out``); the cookie is HttpOnly, SameSite=Lax and
  Secure unless ``GEO_COOKIE_SECURE`` is off (plain-http development on 127.0.0.1).
* API tokens: ``Authorization: Bearer <token>`` (see :mod:`geo_service.access.service`); ``GEO_ADMIN_TOKEN``,
  if set, is a bootstrap admin token.
* CSRF: Flask-WTF's CSRFProtect, checked by :func:`write_route` for cookie-authenticated writes (form field
  ``csrf_token`` or header ``X-CSRFToken``); Bearer-token requests carry no ambient credential and are exempt.
* Every write route is wrapped in :func:`write_route`, which marks the view (``view.write_route``) so a test
  can enumerate the app's routes and fail on any write that lacks the checks.
"""

from __future__ import annotations

import functools
import hmac
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, g, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from geo_service.access import audit
from geo_service.access import service as access
from geo_service.access.service import Actor
from geo_service.conditional import matches
from geo_service.errors import Forbidden, PreconditionFailed, PreconditionRequired, Unauthorized
from geo_service.web.connection import get_conn
from geo_service.web.openapi import operation
from geo_service.web.schemas import common

bp = Blueprint("access", __name__)
csrf = CSRFProtect()
login_manager = LoginManager()
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}", re.ASCII)
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Routes that must accept a POST from someone without a role: signing in and out (CSRF-checked themselves).
PUBLIC_WRITES = frozenset({"access.sign_in", "access.sign_out"})


class _SessionUser(UserMixin):
    """A signed-in browser user; the id Flask-Login keeps in the cookie is the server-side session id."""

    def __init__(self, actor: Actor, session_id: str) -> None:
        self.actor = actor
        self.session_id = session_id

    def get_id(self) -> str:
        return self.session_id


@login_manager.user_loader
def _load_user(session_id: str):
    """Issue 21: a cookie names a server-side session; revoked, unknown (forged) or a disabled user: nobody."""
    actor = access.session_actor(get_conn(), session_id)
    return _SessionUser(actor, session_id) if actor else None


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def current_actor() -> Actor | None:
    """Who is making this request: the Bearer token's user (or the bootstrap admin), else the session's user."""
    if "geo_actor" in g:
        return g.geo_actor
    actor: Actor | None = None
    token = _bearer()
    if token is not None:
        admin = current_app.config.get("GEO_ADMIN_TOKEN")
        if admin and hmac.compare_digest(token.encode(), str(admin).encode()):
            # issue 21: only until a real admin exists; afterwards the token is refused like any unknown one
            actor = access.BOOTSTRAP_ADMIN if access.bootstrap_token_usable(get_conn()) else None
        else:
            actor = access.verify_token(get_conn(), token)
    else:
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            actor = current_user.actor
    g.geo_actor = actor
    return actor


def _commissioners(value: Any) -> list[str | None]:
    if value is None or isinstance(value, str):
        return [value]
    return list(value) or [None]


def check_write(role: str | tuple[str, ...] = "editor", commissioner: str | Iterable[str] | None = None) -> Actor:
    """The checks of :func:`write_route`, for a view that learns the commissioner only after reading the
    resource: 401 anonymous, 403 missing CSRF (cookie session), 403 wrong role or commissioner. ``role``: one
    role, or several of which any one will do (the view then decides what each may do)."""
    token = _bearer()
    actor = current_actor()
    if actor is None:
        if token is not None:
            raise Unauthorized("The API token is not valid (unknown, revoked, or its user is disabled).")
        raise Unauthorized("Sign in (or send 'Authorization: Bearer <token>') to make changes.")
    if token is None and not g.get("geo_csrf_checked"):
        try:
            csrf.protect()
        except CSRFError as err:
            raise Forbidden(f"The CSRF token is missing or not valid ({err.description}). Reload the page.") from None
        g.geo_csrf_checked = True
    roles = (role,) if isinstance(role, str) else tuple(role)
    for code in _commissioners(commissioner):
        if not any(actor.has_role(r, code) for r in roles):
            where = f" for commissioner {code}" if code else ""
            names = " or ".join(f"'{r}'" for r in roles)
            raise Forbidden(f"This needs the {names} role{where}; {actor.username} does not have it.")
    return actor


def write_route(role: str | tuple[str, ...] = "editor", commissioner: str | Callable[..., Any] | None = None):
    """Decorate a write view: refuse anonymous (401), missing CSRF on cookie auth (403), wrong role or
    commissioner (403). ``commissioner`` is a code, or a callable given the view's keyword arguments that
    returns a code, several codes, or None (no area limit). The view is marked ``view.write_route``."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            from geo_service.web.visibility_guard import check_write_request

            check_write(role)  # 401 / CSRF 403 / role 403 before anything is read (the same for any resource)
            check_write_request()  # 404 for a scenario the caller may not see, before any other check
            if commissioner is not None:
                check_write(role, commissioner(**kwargs) if callable(commissioner) else commissioner)
            return view(*args, **kwargs)

        wrapped.write_route = {"role": role, "commissioner": commissioner}
        return wrapped

    return decorate


def etag(version: Any) -> str:
    """A strong ETag for a resource version (a number or a short string)."""
    return f'"v{version}"'


def require_if_match(current_version: Any, current_state: Any = None) -> None:
    """428 when ``If-Match`` is missing; 412 with ``current`` (the state now) when it is stale."""
    given = request.headers.get("If-Match")
    if not given:
        raise PreconditionRequired(
            "Send 'If-Match' with the ETag you last read, so a change made meanwhile is not overwritten.",
            etag=etag(current_version),
        )
    wanted = etag(current_version)
    if not matches(given, wanted):  # also the tag as compression marked it ("v5:gzip", issue 21)
        raise PreconditionFailed(
            f"Someone changed this since you read it (your version {given}, now {wanted}). "
            "Reload, re-apply your change and send it again.",
            etag=wanted,
            current=current_state,
        )


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
    if request.method == "POST":
        try:
            csrf.protect()
        except CSRFError:
            error, status = "The form had expired or was not sent by this site. Please try again.", 403
        else:
            from geo_service.web.connection import database

            # no pooled connection held during the (deliberately slow) password hash: issue 21
            actor = access.authenticate_pooled(
                database(), request.form.get("username", ""), request.form.get("password", "")
            )
            if actor is None:
                error, status = "The username or password is not right, or the account is disabled.", 401
            else:
                # issue 21: a new session (server-side id) and a new CSRF token at every sign-in, nothing kept
                # from before (session fixation); the old session, if any, ends
                _end_current_session()
                session.clear()
                login_user(_SessionUser(actor, access.start_session(get_conn(), actor)))
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
    _end_current_session()
    logout_user()
    session.clear()
    g.pop("geo_actor", None)
    return redirect(url_for("pages.index"))


def _end_current_session() -> None:
    """Revoke the signed-in session server-side (a copied cookie then signs nobody in)."""
    from flask_login import current_user

    if current_user and current_user.is_authenticated and getattr(current_user, "session_id", None):
        access.end_session(get_conn(), current_user.session_id)


def _actor_for_page() -> Actor | None:
    """The header's "Signed in as": never fails a page (an error page may be rendering a database outage)."""
    from geo_service.db.pool import CONNECTION_ERRORS
    from geo_service.errors import GeoServiceError

    try:
        return current_actor()
    except (GeoServiceError, *CONNECTION_ERRORS):
        return None


def _client_identifier() -> str:
    """What a session is bound to: the client's address and browser. Flask-Login's own reads a client-set
    ``X-Forwarded-For`` header; here the address is ``remote_addr``, which ProxyFix sets from the trusted hops
    only (``GEO_TRUSTED_PROXIES``)."""
    import hashlib

    agent = request.headers.get("User-Agent", "")
    return hashlib.sha512(f"{request.remote_addr}|{agent}".encode()).hexdigest()


def _start_request() -> None:
    # issue 26: the id of a trusted proxy (GEO_TRUSTED_PROXIES > 0: nginx sets it, see deploy/nginx.conf) is kept,
    # so its log lines and ours share it; a client's own is not believed (it could pose as another request's).
    given = request.headers.get("X-Request-ID", "") if current_app.config.get("GEO_TRUSTED_PROXIES") else ""
    g.request_id = given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_id_token = audit.request_id.set(g.request_id)


def _end_request(response):
    if "request_id" in g:
        response.headers["X-Request-ID"] = g.request_id
    return response


def _reset_request_id(exc) -> None:  # noqa: ANN001 - Flask signature
    token = g.pop("request_id_token", None)
    if token is not None:
        audit.request_id.reset(token)


def register(app: Flask) -> None:
    """Sessions, CSRF, request ids and the sign-in pages. Call before the blueprints with write routes."""
    secure = app.config.get("GEO_COOKIE_SECURE", True)
    secure = str(secure).strip().lower() not in ("0", "false", "no", "off", "")
    app.config.update(
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_CHECK_DEFAULT=False,  # write_route checks it, so the answer is a 403 problem, in order
        WTF_CSRF_SSL_STRICT=secure,
    )
    hops = int(app.config.get("GEO_TRUSTED_PROXIES") or 0)
    if hops > 0:  # issue 21: the real client address, scheme and host from that many proxies, no more
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request(_start_request)
    app.after_request(_end_request)
    app.teardown_request(_reset_request_id)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    login_manager._session_identifier_generator = _client_identifier  # issue 21: not a client-set header

    @app.context_processor
    def _actor_in_templates():
        return {"current_actor": _actor_for_page}

    app.register_blueprint(bp)
