"""Who is asking (issue 12, 21): browser sessions (Flask-Login), API tokens, CSRF protection and request ids.

* Browser sessions: Flask-Login; the cookie is HttpOnly, SameSite=Lax and Secure unless ``GEO_COOKIE_SECURE`` is
  off (plain-http development on 127.0.0.1). The sign-in pages are :mod:`geo_service.web.routes.access`.
* API tokens: ``Authorization: Bearer <token>`` (see :mod:`geo_service.access.service`); ``GEO_ADMIN_TOKEN``,
  if set, is a bootstrap admin token.
* CSRF: Flask-WTF's CSRFProtect, checked by :func:`geo_service.web.auth.write_route` for cookie-authenticated
  writes; Bearer-token requests carry no ambient credential and are exempt.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid

from flask import Flask, current_app, g, request
from flask_login import LoginManager, UserMixin, current_user
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from geo_service.access import audit
from geo_service.access import service as access
from geo_service.access.service import Actor
from geo_service.db.pool import CONNECTION_ERRORS
from geo_service.errors import GeoServiceError
from geo_service.web.pipeline.connection import get_conn

csrf = CSRFProtect()
login_manager = LoginManager()
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}", re.ASCII)


class SessionUser(UserMixin):
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
    return SessionUser(actor, session_id) if actor else None


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def current_actor() -> Actor | None:
    """Who is making this request: the Bearer token's user (or the bootstrap admin), else the session's user."""
    if "geo_actor" in g:
        return g.geo_actor
    actor: Actor | None = None
    token = bearer_token()
    if token is not None:
        admin = current_app.config.get("GEO_ADMIN_TOKEN")
        if admin and hmac.compare_digest(token.encode(), str(admin).encode()):
            # issue 21: only until a real admin exists; afterwards the token is refused like any unknown one
            actor = access.BOOTSTRAP_ADMIN if access.bootstrap_token_usable(get_conn()) else None
        else:
            actor = access.verify_token(get_conn(), token)
    elif current_user and current_user.is_authenticated:
        actor = current_user.actor
    g.geo_actor = actor
    return actor


def end_current_session() -> None:
    """Revoke the signed-in session server-side (a copied cookie then signs nobody in)."""
    if current_user and current_user.is_authenticated and getattr(current_user, "session_id", None):
        access.end_session(get_conn(), current_user.session_id)


def _actor_for_page() -> Actor | None:
    """The header's "Signed in as": never fails a page (an error page may be rendering a database outage)."""
    try:
        return current_actor()
    except (GeoServiceError, *CONNECTION_ERRORS):
        return None


def _client_identifier() -> str:
    """What a session is bound to: the client's address and browser. Flask-Login's own reads a client-set
    ``X-Forwarded-For`` header; here the address is ``remote_addr``, which ProxyFix sets from the trusted hops
    only (``GEO_TRUSTED_PROXIES``)."""
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
    """Sessions, CSRF and request ids. Call before the blueprints with write routes."""
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
