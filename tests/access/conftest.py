"""A demo database with users of each role, shared by a module's tests (issue 12)."""

from __future__ import annotations

import os

import pytest

from geo_service.access import service as access
from geo_service.db.admin import drop_database
from geo_service.db.pool import Database
from tests.access.password_hashing import fast_password_hashing
from tests.conftest import clone_database, make_app

PASSWORD = "correct horse battery"
USERS = {  # username -> roles (role, commissioner)
    "ed": [("editor", None)],
    "appr": [("approver", None)],  # commissioner set per test module where it matters
    "admin": [("admin", None)],
    "viewer": [],
}


def build_access_db(
    maintenance_url: str, demo_template: str, suffix: str, users: dict | None = None
) -> tuple[str, dict[str, str]]:
    """A clone of the demo template with ``users`` ({username: [(role, commissioner code or None)]}, default
    :data:`USERS`; password :data:`PASSWORD`, hashed at the tests' cost: see :mod:`tests.access.password_hashing`)
    and a token each."""
    url = clone_database(maintenance_url, demo_template, f"acc{os.getpid()}_{suffix}")
    db = Database(url, statement_timeout_ms=0)
    tokens = {}
    with fast_password_hashing(), db.connection() as conn:
        for name, roles in (USERS if users is None else users).items():
            access.add_user(conn, name, name.title(), PASSWORD)
            for role, code in roles:
                access.grant(conn, name, role, code)
            tokens[name] = access.create_token(conn, name, "tests")[1]
    db.close()
    return url, tokens


@pytest.fixture(scope="module")
def access_db_url(maintenance_url, demo_template, request):
    """:func:`build_access_db` for the module; its sign-ins check the passwords at the same (tests') cost."""
    url, tokens = build_access_db(maintenance_url, demo_template, request.module.__name__.rsplit(".", 1)[1])
    with fast_password_hashing():
        yield url, tokens
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def access_app(access_db_url):
    app = make_app(access_db_url[0], GEO_COOKIE_SECURE=False, GEO_ADMIN_TOKEN="bootstrap-secret-token")
    yield app
    app.extensions["geo_db"].close()


@pytest.fixture(scope="module")
def tokens(access_db_url) -> dict[str, str]:
    return access_db_url[1]


def sign_in(client, username: str, password: str = PASSWORD):
    """Sign in through the real form (GET for the CSRF token, POST it back). Returns the page's CSRF token."""
    import re

    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    resp = client.post("/sign-in", data={"username": username, "password": password, "csrf_token": token})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    page = client.get("/sign-in").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
