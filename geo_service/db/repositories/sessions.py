"""SQL of server-side browser sessions (issue 21). Keys are stored as sha256 only."""

from __future__ import annotations


def insert(conn, user_id: int, key_hash: str) -> int:
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO user_sessions (user_id, key_hash) VALUES (%(u)s, %(h)s) RETURNING id",
            {"u": user_id, "h": key_hash},
        )
        return cur.fetchone()[0]


def live_user_id(conn, key_hash: str) -> int | None:
    """The user of a live (not revoked) session, else None."""
    with conn.cursor() as cur:
        cur.execute("SELECT user_id FROM user_sessions WHERE key_hash = %(h)s AND revoked_at IS NULL", {"h": key_hash})
        row = cur.fetchone()
        return row[0] if row else None


def revoke(conn, key_hash: str) -> bool:
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE user_sessions SET revoked_at = now() WHERE key_hash = %(h)s AND revoked_at IS NULL",
            {"h": key_hash},
        )
        return cur.rowcount == 1


def revoke_all(conn, user_id: int) -> int:
    with conn.cursor() as cur:
        cur.execute(
            "UPDATE user_sessions SET revoked_at = now() WHERE user_id = %(u)s AND revoked_at IS NULL",
            {"u": user_id},
        )
        return cur.rowcount


def enabled_admin_exists(conn) -> bool:
    """True once a real (enabled) user holds the admin role: the bootstrap admin token then stops working."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT EXISTS (SELECT 1 FROM user_roles r JOIN users u ON u.id = r.user_id
                               WHERE r.role = 'admin' AND NOT u.disabled)"""
        )
        return bool(cur.fetchone()[0])
