"""SQL of OpenID Connect sign-in (issue 26): identities linked to users, and sign-ins under way (their state)."""

from __future__ import annotations

from geo_service.db.pool import dict_cursor


def user_for_identity(conn, issuer: str, subject: str) -> dict | None:
    """The user linked to the provider's (issuer, sub), disabled or not, else None."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT u.* FROM user_identities i JOIN users u ON u.id = i.user_id
                WHERE i.issuer = %(iss)s AND i.subject = %(sub)s""",
            {"iss": issuer, "sub": subject},
        )
        return cur.fetchone()


def link(conn, user_id: int, issuer: str, subject: str, email: str | None) -> bool:
    """Link (issuer, sub) to the user; False when that identity is already linked (to anyone)."""
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO user_identities (user_id, issuer, subject, email)
               VALUES (%(u)s, %(iss)s, %(sub)s, %(e)s) ON CONFLICT (issuer, subject) DO NOTHING""",
            {"u": user_id, "iss": issuer, "sub": subject, "e": email},
        )
        return cur.rowcount == 1


def unlink(conn, user_id: int, issuer: str | None = None) -> int:
    with conn.cursor() as cur:
        cur.execute(
            """DELETE FROM user_identities
                WHERE user_id = %(u)s AND (%(iss)s::text IS NULL OR issuer = %(iss)s)""",
            {"u": user_id, "iss": issuer},
        )
        return cur.rowcount


def identities_of(conn, user_id: int) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT issuer, subject, email, linked_at, last_sign_in_at FROM user_identities
                WHERE user_id = %(u)s ORDER BY issuer, subject""",
            {"u": user_id},
        )
        return cur.fetchall()


def touch(conn, issuer: str, subject: str, email: str | None) -> None:
    with conn.cursor() as cur:
        cur.execute(
            """UPDATE user_identities SET last_sign_in_at = now(), email = coalesce(%(e)s, email)
                WHERE issuer = %(iss)s AND subject = %(sub)s""",
            {"iss": issuer, "sub": subject, "e": email},
        )


def username_taken(conn, username: str) -> bool:
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM users WHERE lower(username) = lower(%(u)s)", {"u": username})
        return cur.fetchone() is not None


def replace_roles(conn, user_id: int, roles: list[tuple[str, str | None]]) -> tuple[list, list]:
    """Make the user's roles exactly ``roles`` [(role, commissioner code or None)]: (granted, revoked)."""
    with conn.cursor() as cur:
        cur.execute("SELECT role, commissioner_code FROM user_roles WHERE user_id = %(u)s FOR UPDATE", {"u": user_id})
        held = {(r, c) for r, c in cur.fetchall()}
        wanted = set(roles)
        for role, code in sorted(held - wanted, key=str):
            cur.execute(
                """DELETE FROM user_roles WHERE user_id = %(u)s AND role = %(r)s
                      AND commissioner_code IS NOT DISTINCT FROM %(c)s""",
                {"u": user_id, "r": role, "c": code},
            )
        for role, code in sorted(wanted - held, key=str):
            cur.execute(
                "INSERT INTO user_roles (user_id, role, commissioner_code) VALUES (%(u)s, %(r)s, %(c)s)",
                {"u": user_id, "r": role, "c": code},
            )
    return sorted(wanted - held, key=str), sorted(held - wanted, key=str)


# ---- sign-ins under way ----------------------------------------------------------------------------------------


def insert_pending(conn, state_hash: str, nonce: str, code_verifier: str, next_url: str | None) -> None:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO oidc_pending_sign_ins (state_hash, nonce, code_verifier, next_url)
               VALUES (%(s)s, %(n)s, %(v)s, %(x)s)""",
            {"s": state_hash, "n": nonce, "v": code_verifier, "x": next_url},
        )


def consume_pending(conn, state_hash: str, max_age_s: int) -> tuple[str, dict | None]:
    """Use a pending sign-in once: ('ok', row), ('used', None), ('expired', None) or ('unknown', None)."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """UPDATE oidc_pending_sign_ins SET used_at = now()
                WHERE state_hash = %(s)s AND used_at IS NULL
                  AND created_at > now() - make_interval(secs => %(age)s)
            RETURNING nonce, code_verifier, next_url""",
            {"s": state_hash, "age": max_age_s},
        )
        row = cur.fetchone()
        if row is not None:
            return "ok", row
        cur.execute("SELECT used_at IS NOT NULL AS used FROM oidc_pending_sign_ins WHERE state_hash = %(s)s",
                    {"s": state_hash})  # fmt: skip
        seen = cur.fetchone()
        if seen is None:
            return "unknown", None
        return ("used" if seen["used"] else "expired"), None


def purge_pending(conn, keep_s: int) -> int:
    """Forget sign-ins started more than ``keep_s`` seconds ago (a used state is kept that long, to name a replay)."""
    with conn.cursor() as cur:
        cur.execute(
            "DELETE FROM oidc_pending_sign_ins WHERE created_at < now() - make_interval(secs => %(k)s)",
            {"k": keep_s},
        )
        return cur.rowcount
