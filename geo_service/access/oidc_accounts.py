"""Accounts of people who sign in with OpenID Connect (issue 26).

An account is linked to the provider's ``(issuer, sub)``, never matched by e-mail or username (those can be
re-used or typed by anyone at some providers): a local user named like the person is NOT taken over; a new account
gets a free name beside it. ``GEO_OIDC_ACCOUNTS=create`` makes the account at the first sign-in (no role: roles
come from the claim mapping or are granted locally); ``existing`` signs in only identities linked beforehand
(``geo-service users link-oidc``). A disabled account is refused whichever way it signs in.

With ``GEO_OIDC_ROLE_CLAIM`` set, the provider is the source of roles: at each sign-in the user's roles become
those the mapping gives for the claim's values (each change audited). Unset, roles are granted locally as before.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from geo_service.access import audit
from geo_service.access import service as access
from geo_service.access.oidc_settings import OidcSettings
from geo_service.access.refusals import SignInRefused
from geo_service.db.repositories import identities as identities_repo
from geo_service.db.repositories import users as users_repo
from geo_service.errors import Conflict

_NOT_NAME = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class SignedIn:
    actor: access.Actor
    created: bool
    roles_changed: bool
    next_url: str | None = None
    claims: dict[str, Any] | None = None


def claim_values(claims: dict[str, Any], path: str) -> set[str]:
    """The string values at a claim path: dots step into objects, lists are walked (``groups``,
    ``realm_access.roles``, ``nhsid_nrbac_roles.role_code``)."""
    found: list[Any] = [claims]
    for part in path.split("."):
        step = []
        for value in found:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and part in item:
                    step.append(item[part])
        found = step
    out: set[str] = set()
    for value in found:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, (str, int)) and not isinstance(item, bool):
                out.add(str(item))
    return out


def mapped_roles(settings: OidcSettings, claims: dict[str, Any]) -> list[tuple[str, str | None]]:
    values = claim_values(claims, settings.role_claim or "")
    return sorted({(role, code) for value, role, code in settings.role_map if value in values}, key=str)


def _username(conn, settings: OidcSettings, claims: dict[str, Any]) -> str:
    """A free local username from the username claim, else the e-mail's local part, else the subject's hash."""
    given = str(claims.get(settings.username_claim) or "") or str(claims.get("email") or "").split("@")[0]
    base = _NOT_NAME.sub("-", given.strip().lower()).strip("-._")[:56]
    if not base:
        base = "user-" + hashlib.sha256(f"{claims['iss']}|{claims['sub']}".encode()).hexdigest()[:10]
    name, n = base, 1
    while identities_repo.username_taken(conn, name):
        n += 1
        name = f"{base}-{n}"
    return name


def sign_in_identity(db, settings: OidcSettings, claims: dict[str, Any]) -> SignedIn:
    """The enabled local account of a checked ID token's ``(iss, sub)``: found, or made (``create``), roles
    brought in line with the claims when the provider holds them. Refused: not linked (``existing``), disabled."""
    issuer, subject = settings.issuer, str(claims["sub"])
    email = claims.get("email") if claims.get("email_verified", True) else None
    created = False
    with db.connection() as conn:
        row = identities_repo.user_for_identity(conn, issuer, subject)
        if row is None:
            if settings.accounts != "create":
                raise SignInRefused(
                    "account_not_provisioned",
                    "There is no account on this service for you yet. Ask an administrator to add you.",
                    403,
                    subject=subject,
                )
            name = _username(conn, settings, claims)
            display = str(claims.get("name") or "").strip()[:200] or name
            uid = users_repo.insert_user(conn, name, display, None)
            if not identities_repo.link(conn, uid, issuer, subject, email):  # a first sign-in raced this one
                raise SignInRefused("account_race", "Your account was being made by another sign-in. Try again.", 409)
            audit.record(conn, None, "user.add", "user", uid, None,
                         {"username": name, "via": "oidc", "issuer": issuer, "subject": subject})  # fmt: skip
            row, created = users_repo.get_user(conn, uid), True
    if row["disabled"]:
        raise SignInRefused(
            "account_disabled",
            "Your account on this service is disabled. Ask an administrator if you need it back.",
            403,
            user_id=row["id"],
            subject=subject,
        )
    changed = False
    with db.connection() as conn:
        if settings.roles_from_provider:
            granted, revoked = identities_repo.replace_roles(conn, row["id"], mapped_roles(settings, claims))
            for role, code in granted:
                audit.record(conn, None, "role.grant", "user", row["username"], None,
                             {"role": role, "commissioner": code or "*", "via": "oidc claim"})  # fmt: skip
            for role, code in revoked:
                audit.record(conn, None, "role.revoke", "user", row["username"],
                             {"role": role, "commissioner": code or "*"}, {"via": "oidc claim"})  # fmt: skip
            changed = bool(granted or revoked)
        identities_repo.touch(conn, issuer, subject, email)
        actor = access.actor_for_user(conn, row)
    return SignedIn(actor, created, changed)


def link(conn, username: str, issuer: str, subject: str) -> int:
    """Link a local user to a provider's subject (``geo-service users link-oidc``): the user's id."""
    row = access.user(conn, username)
    if not identities_repo.link(conn, row["id"], issuer.rstrip("/"), subject, None):
        raise Conflict(f"The identity {subject!r} of {issuer} is already linked to a user.")
    return row["id"]


def identities(conn, username: str) -> list[dict]:
    return identities_repo.identities_of(conn, access.user(conn, username)["id"])
