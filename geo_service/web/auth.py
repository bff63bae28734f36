"""The checks every write route runs (issue 12): sign-in, role, commissioner, CSRF, and optimistic concurrency.

Every write route is wrapped in :func:`write_route`, which marks the view (``view.write_route``) so a test can
enumerate the app's routes and fail on any write that lacks the checks. Who is asking comes from
:mod:`geo_service.web.pipeline.sessions`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

from flask import g, request
from flask_wtf.csrf import CSRFError

from geo_service.access.service import Actor
from geo_service.conditional import matches
from geo_service.errors import Forbidden, PreconditionFailed, PreconditionRequired, Unauthorized
from geo_service.web.pipeline.sessions import bearer_token, csrf, current_actor
from geo_service.web.pipeline.visibility_guard import check_write_request

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Routes that must accept a POST from someone without a role: signing in and out (CSRF-checked themselves), and
# the single sign-on button that starts a sign-in at the OpenID provider (issue 26).
PUBLIC_WRITES = frozenset({"access.sign_in", "access.sign_out", "oidc.start"})

__all__ = ["PUBLIC_WRITES", "WRITE_METHODS", "check_write", "current_actor", "etag", "require_if_match", "write_route"]


def _commissioners(value: Any) -> list[str | None]:
    if value is None or isinstance(value, str):
        return [value]
    return list(value) or [None]


def check_write(role: str | tuple[str, ...] = "editor", commissioner: str | Iterable[str] | None = None) -> Actor:
    """The checks of :func:`write_route`, for a view that learns the commissioner only after reading the
    resource: 401 anonymous, 403 missing CSRF (cookie session), 403 wrong role or commissioner. ``role``: one
    role, or several of which any one will do (the view then decides what each may do)."""
    token = bearer_token()
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
            check_write(role)  # 401 / CSRF 403 / role 403 before anything is read (the same for any resource)
            check_write_request()  # 404 for a scenario the caller may not see, before any other check
            if commissioner is not None:
                path = {k: v for k, v in kwargs.items() if k in (request.view_args or {})}
                check_write(role, commissioner(**path) if callable(commissioner) else commissioner)
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
