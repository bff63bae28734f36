"""Users, roles, passwords and API tokens. Called by the web layer and the ``geo-service users`` CLI.

Passwords are hashed with argon2id (argon2-cffi's memory-hard default). API tokens are
``secrets.token_urlsafe(32)`` (256 random bits): only their sha256 is stored, since a random token of that
size cannot be brute-forced, a slow hash would add nothing but latency to every API call.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from geo_service.db.repositories import sessions as sessions_repo
from geo_service.db.repositories import users as users_repo
from geo_service.errors import Conflict, InvalidParameter, NotFound

ROLES = ("editor", "approver", "admin")
EVERYWHERE = "*"
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}", re.ASCII)
MIN_PASSWORD = 10
_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile (64 MiB, t=3)
# A hash to verify against when the user is unknown, so the answer takes as long either way. Made on first use (in
# each process): hashing at import cost every gunicorn worker and command 0.26 s of CPU before it did anything.
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash("not-a-real-password")
    return _DUMMY_HASH


@dataclass(frozen=True)
class Actor:
    """Someone making a change: a signed-in user, an API token's user, or the bootstrap admin token."""

    id: int | None
    username: str
    display_name: str
    roles: frozenset[str]
    approver_for: frozenset[str]  # commissioner codes; '*' = all
    editor_for: frozenset[str] = frozenset()  # commissioner codes an editor role is limited to; '*' = all
    via: str = "session"  # 'session' | 'token' | 'bootstrap'

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

    def has_role(self, role: str, commissioner: str | None = None) -> bool:
        """Admins may do anything; otherwise the role, limited to ``commissioner`` when given."""
        if self.is_admin:
            return True
        if role not in self.roles:
            return False
        if commissioner is None:
            return True
        scope = self.approver_for if role == "approver" else self.editor_for
        return EVERYWHERE in scope or commissioner in scope

    def may_approve(self, commissioner: str | None) -> bool:
        return self.has_role("approver", commissioner or EVERYWHERE)


BOOTSTRAP_ADMIN = Actor(None, "bootstrap-admin", "Bootstrap admin (GEO_ADMIN_TOKEN)", frozenset({"admin"}),
                        frozenset({EVERYWHERE}), frozenset({EVERYWHERE}), via="bootstrap")  # fmt: skip


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _check_username(username: str) -> str:
    name = username.strip().lower()
    if not USERNAME.fullmatch(name):
        raise InvalidParameter("username", "A username is 1-64 lower-case letters, digits, '.', '_' or '-'.")
    return name


def add_user(conn, username: str, display_name: str, password: str | None) -> int:
    name = _check_username(username)
    if users_repo.find_user(conn, name):
        raise Conflict(f"User '{name}' already exists.")
    if password is not None and len(password) < MIN_PASSWORD:
        raise InvalidParameter("password", f"A password needs at least {MIN_PASSWORD} characters.")
    return users_repo.insert_user(conn, name, display_name or name, hash_password(password) if password else None)


def user(conn, username: str) -> dict:
    row = users_repo.find_user(conn, username)
    if row is None:
        raise NotFound(f"No user '{username}'.")
    return row


def actor_for_user(conn, row: dict, via: str = "session") -> Actor:
    roles = users_repo.roles_of(conn, row["id"])
    names = frozenset(r["role"] for r in roles)
    approver_for = frozenset(r["commissioner_code"] or EVERYWHERE for r in roles if r["role"] == "approver")
    editor_for = frozenset(r["commissioner_code"] or EVERYWHERE for r in roles if r["role"] == "editor")
    return Actor(row["id"], row["username"], row["display_name"], names, approver_for, editor_for, via)


def actor_by_id(conn, user_id: int) -> Actor | None:
    row = users_repo.get_user(conn, user_id)
    if row is None or row["disabled"]:
        return None
    return actor_for_user(conn, row)


def _verified(row: dict | None, password: str) -> str | None:
    """The stored hash when ``password`` is right for an enabled user's ``row``, else None. A missing user is
    checked against a dummy hash, so a wrong name costs the same time as a wrong password."""
    dummy = _dummy_hash()
    stored = row["password_hash"] if row and row["password_hash"] else dummy
    try:
        _hasher.verify(stored, password)
        ok = row is not None and stored is not dummy
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    return stored if ok and not row["disabled"] else None


def authenticate_pooled(db, username: str, password: str) -> Actor | None:
    """:func:`authenticate` for the web: the argon2 verify (64 MiB, tens of milliseconds) runs with NO pooled
    connection held; the user's row is read, and the actor built, in two short borrows (issue 21)."""
    with db.connection() as conn:
        row = users_repo.find_user(conn, username.strip()) if username else None
    stored = _verified(row, password)
    if stored is None:
        return None
    rehash = hash_password(password) if _hasher.check_needs_rehash(stored) else None
    with db.connection() as conn:
        if rehash:
            users_repo.set_password_hash(conn, row["id"], rehash)
        return actor_for_user(conn, row)


def authenticate(conn, username: str, password: str) -> Actor | None:
    """The actor for a right username and password of an enabled user, else None (same time either way)."""
    row = users_repo.find_user(conn, username.strip()) if username else None
    stored = _verified(row, password)
    if stored is None:
        return None
    if _hasher.check_needs_rehash(stored):
        users_repo.set_password_hash(conn, row["id"], hash_password(password))
    return actor_for_user(conn, row)


def grant(conn, username: str, role: str, commissioner: str | None = None) -> bool:
    if role not in ROLES:
        raise InvalidParameter("role", f"Unknown role '{role}'.", allowed=list(ROLES))
    return users_repo.grant(conn, user(conn, username)["id"], role, commissioner)


def revoke(conn, username: str, role: str, commissioner: str | None = None) -> bool:
    return users_repo.revoke(conn, user(conn, username)["id"], role, commissioner)


def disable(conn, username: str, disabled: bool = True) -> None:
    users_repo.set_disabled(conn, user(conn, username)["id"], disabled)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(conn, username: str, label: str) -> tuple[int, str]:
    """A new API token for the user: (id, token). The token is shown once; only its sha256 is kept."""
    token = secrets.token_urlsafe(32)
    return users_repo.insert_token(conn, user(conn, username)["id"], label, token_hash(token)), token


def verify_token(conn, token: str) -> Actor | None:
    if not token or len(token) > 200:
        return None
    row = users_repo.user_for_token(conn, token_hash(token))
    return actor_for_user(conn, row, via="token") if row else None


def revoke_token(conn, token_id: int) -> bool:
    return users_repo.revoke_token(conn, token_id)


# ---- server-side sessions (issue 21) -------------------------------------------------------------------------


def start_session(conn, actor: Actor) -> str:
    """A new browser session for ``actor``: the session id the cookie carries (``<user id>:<random key>``)."""
    key = secrets.token_urlsafe(32)
    sessions_repo.insert(conn, actor.id, token_hash(key))
    return f"{actor.id}:{key}"


def _session_key(session_id: str) -> tuple[int, str] | None:
    user, _, key = str(session_id).partition(":")
    if not user.isdigit() or not key or len(key) > 100:
        return None
    return int(user), key


def session_actor(conn, session_id: str) -> Actor | None:
    """The actor of a live session id (see :func:`start_session`); None when unknown, revoked or disabled."""
    parsed = _session_key(session_id)
    if parsed is None:
        return None
    user_id, key = parsed
    if sessions_repo.live_user_id(conn, token_hash(key)) != user_id:
        return None
    return actor_by_id(conn, user_id)


def end_session(conn, session_id: str) -> bool:
    """Revoke the session for good (sign-out): a copy of its cookie signs nobody in afterwards."""
    parsed = _session_key(session_id)
    return bool(parsed) and sessions_repo.revoke(conn, token_hash(parsed[1]))


def end_all_sessions(conn, username: str) -> int:
    return sessions_repo.revoke_all(conn, user(conn, username)["id"])


def bootstrap_token_usable(conn) -> bool:
    """``GEO_ADMIN_TOKEN`` works only until a real admin user exists (the README says so)."""
    return not sessions_repo.enabled_admin_exists(conn)
