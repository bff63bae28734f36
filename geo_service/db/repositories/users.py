"""Users, roles and API tokens (issue 12). SQL only; hashing lives in :mod:`geo_service.access.service`."""

from __future__ import annotations

from geo_service.db.pool import dict_cursor


def insert_user(conn, username: str, display_name: str, password_hash: str | None) -> int:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO users (username, display_name, password_hash)
               VALUES (lower(%(u)s), %(d)s, %(h)s) RETURNING id""",
            {"u": username, "d": display_name, "h": password_hash},
        )
        return cur.fetchone()[0]


def find_user(conn, username: str) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute("SELECT * FROM users WHERE lower(username) = lower(%(u)s)", {"u": username})
        return cur.fetchone()


def get_user(conn, user_id: int) -> dict | None:
    with dict_cursor(conn) as cur:
        cur.execute("SELECT * FROM users WHERE id = %(i)s", {"i": user_id})
        return cur.fetchone()


def list_users(conn) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            """SELECT u.id, u.username, u.display_name, u.disabled, u.created_at,
                      coalesce(array_agg(r.role || coalesce(':' || r.commissioner_code, '') ORDER BY r.role,
                               r.commissioner_code) FILTER (WHERE r.id IS NOT NULL), '{}') AS roles
                 FROM users u LEFT JOIN user_roles r ON r.user_id = u.id
                GROUP BY u.id ORDER BY u.username"""
        )
        return cur.fetchall()


def roles_of(conn, user_id: int) -> list[dict]:
    with dict_cursor(conn) as cur:
        cur.execute(
            "SELECT role, commissioner_code FROM user_roles WHERE user_id = %(i)s ORDER BY role, commissioner_code",
            {"i": user_id},
        )
        return cur.fetchall()


def set_password_hash(conn, user_id: int, password_hash: str) -> None:
    with conn.cursor() as cur:
        cur.execute("UPDATE users SET password_hash = %(h)s WHERE id = %(i)s", {"h": password_hash, "i": user_id})


def set_disabled(conn, user_id: int, disabled: bool) -> None:
    with conn.cursor() as cur:
        cur.execute("UPDATE users SET disabled = %(d)s WHERE id = %(i)s", {"d": disabled, "i": user_id})


def grant(conn, user_id: int, role: str, commissioner_code: str | None) -> bool:
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO user_roles (user_id, role, commissioner_code) VALUES (%(i)s, %(r)s, %(c)s)
               ON CONFLICT DO NOTHING""",
            {"i": user_id, "r": role, "c": commissioner_code},
        )
        return cur.rowcount == 1


def revoke(conn, user_id: int, role: str, commissioner_code: str | None) -> bool:
    with conn.cursor() as cur:
        cur.execute(
            """DELETE FROM user_roles WHERE user_id = %(i)s AND role = %(r)s
                  AND commissioner_code IS NOT DISTINCT FROM %(c)s""",
            {"i": user_id, "r": role, "c": commissioner_code},
        )
        return cur.rowcount > 0


def insert_token(conn, user_id: int, label: str, token_hash: str) -> int:
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO api_tokens (user_id, label, token_hash) VALUES (%(i)s, %(l)s, %(h)s) RETURNING id",
            {"i": user_id, "l": label, "h": token_hash},
        )
        return cur.fetchone()[0]


def user_for_token(conn, token_hash: str) -> dict | None:
    """The (enabled) user of a live token, marking the token used."""
    with dict_cursor(conn) as cur:
        cur.execute(
            """UPDATE api_tokens t SET last_used_at = now()
                 FROM users u
                WHERE t.token_hash = %(h)s AND t.revoked_at IS NULL AND u.id = t.user_id AND NOT u.disabled
            RETURNING u.*""",
            {"h": token_hash},
        )
        return cur.fetchone()


def revoke_token(conn, token_id: int) -> bool:
    with conn.cursor() as cur:
        cur.execute("UPDATE api_tokens SET revoked_at = now() WHERE id = %(i)s AND revoked_at IS NULL", {"i": token_id})
        return cur.rowcount == 1
