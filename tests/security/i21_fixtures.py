"""Fixtures for issue 21's attack tests: a demo database with users of each role, a token each, and helpers.

Import the fixtures into a test module (``from tests.security.i21_fixtures import secure_db, ...``): pytest
registers fixtures found in a test module's namespace. One database per test module.
"""

from __future__ import annotations

import re

import pytest

from geo_service.db.admin import drop_database
from tests.access.conftest import build_access_db
from tests.access.password_hashing import fast_password_hashing
from tests.conftest import make_app

PASSWORD = "correct horse battery"
# username -> roles (role, commissioner code or None for everywhere)
USERS = {
    "ed": [("editor", None)],
    "ed2": [("editor", None)],
    "appr": [("approver", None)],
    "admin": [("admin", None)],
    "viewer": [],
}
STRONG_KEY = "k3y-for-tests-only-aQ9xZ7pL2mN8vB4cR6tY1uI0oP5sD3fG"


@pytest.fixture(scope="module")
def secure_db(maintenance_url, demo_template, request):
    """(database url, {username: API token}) for a clone of the demo template with :data:`USERS` (or the module's
    own ``USERS``, if it defines one). Passwords are hashed, and checked by the module's in-process apps, at the
    tests' cost (:mod:`tests.access.password_hashing`)."""
    users = getattr(request.module, "USERS", USERS)
    name = request.module.__name__.rsplit(".", 1)[1].removeprefix("test_")[:20]
    url, tokens = build_access_db(maintenance_url, demo_template, f"s_{name}", users)
    with fast_password_hashing():
        yield url, tokens
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture(scope="module")
def secure_app(secure_db):
    app = make_app(secure_db[0], GEO_COOKIE_SECURE=False, GEO_SECRET_KEY=STRONG_KEY)
    yield app
    app.extensions["geo_db"].close()


@pytest.fixture(scope="module")
def tokens(secure_db) -> dict[str, str]:
    return secure_db[1]


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def csrf_of(client) -> str:
    page = client.get("/sign-in").get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def sign_in(client, username: str, password: str = PASSWORD) -> str:
    """Sign in through the real form. Returns the CSRF token of the signed-in session."""
    resp = client.post("/sign-in", data={"username": username, "password": password, "csrf_token": csrf_of(client)})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    return csrf_of(client)


def make_plan(
    client, token: str, slug: str, visibility: str = "private", copy_from: str | None = "demo-commissioner-proposal"
) -> dict:
    body = {"name": slug.replace("-", " ").title(), "slug": slug, "visibility": visibility}
    if copy_from:
        body["copy_from"] = copy_from
    resp = client.post("/api/v1/plans", json=body, headers=bearer(token))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    return resp.get_json()
