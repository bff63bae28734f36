# ruff: noqa: F811 - fixtures imported from tests.security.i21_fixtures are parameters here
"""Issue 21 findings 7, 9 and 14 (sessions): sign-out ends the session server-side; sign-in rotates the session
and its CSRF token; the bootstrap admin token stops working once an admin user exists.

Before: a cookie copied before ``/sign-out`` still read and wrote; the CSRF token of the anonymous session stayed
valid after sign-in; ``Bearer x`` (GEO_ADMIN_TOKEN) created plans with real admins present.
"""

from __future__ import annotations

import pytest

from tests.conftest import make_app
from tests.security.i21_fixtures import (  # noqa: F401 - fixtures
    STRONG_KEY,
    bearer,
    csrf_of,
    make_plan,
    secure_app,
    secure_db,
    sign_in,
    tokens,
)


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def test_cookie_copied_before_sign_out_is_dead_after(secure_app, tokens):
    plan = make_plan(secure_app.test_client(), tokens["ed"], "signed-out-plan")
    browser = secure_app.test_client()
    csrf = sign_in(browser, "ed")
    stolen = _session_cookie(browser)
    thief = secure_app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get(f"/api/v1/plans/{plan['slug']}").status_code == 200  # the copy works while signed in
    assert browser.post("/sign-out", data={"csrf_token": csrf}).status_code == 302
    assert thief.get(f"/api/v1/plans/{plan['slug']}").status_code == 404
    resp = thief.patch(
        f"/api/v1/plans/{plan['slug']}", json={"name": "After sign-out"}, headers={"X-CSRFToken": csrf, "If-Match": "*"}
    )
    assert resp.status_code == 401


def test_sessions_ended_server_side_sign_nobody_in(secure_app, secure_db, tokens):
    from geo_service.access import service as access
    from geo_service.db.pool import Database

    browser = secure_app.test_client()
    sign_in(browser, "viewer")
    assert "Signed in as Viewer" in browser.get("/sign-in").get_data(as_text=True)
    db = Database(secure_db[0], statement_timeout_ms=0)
    try:
        with db.connection() as conn:
            access.end_all_sessions(conn, "viewer")
    finally:
        db.close()
    page = browser.get("/sign-in").get_data(as_text=True)
    assert "Signed in as" not in page


def test_sign_in_rotates_session_and_csrf_token(secure_app, tokens):
    browser = secure_app.test_client()
    before_token = csrf_of(browser)
    before_cookie = _session_cookie(browser)
    after_token = sign_in(browser, "ed")
    assert after_token != before_token and _session_cookie(browser) != before_cookie
    resp = browser.post("/api/v1/plans", json={"name": "Csrf rotation", "copy_from": "demo-commissioner-proposal"},
                        headers={"X-CSRFToken": before_token})  # fmt: skip
    assert resp.status_code == 403 and "CSRF" in resp.get_json()["detail"]
    resp = browser.post("/api/v1/plans", json={"name": "Csrf rotation", "copy_from": "demo-commissioner-proposal"},
                        headers={"X-CSRFToken": after_token})  # fmt: skip
    assert resp.status_code == 201


@pytest.fixture(scope="module")
def bootstrap_app(secure_db):
    app = make_app(secure_db[0], GEO_COOKIE_SECURE=False, GEO_SECRET_KEY=STRONG_KEY, GEO_ADMIN_TOKEN="x")
    yield app
    app.extensions["geo_db"].close()


def test_admin_token_stops_once_an_admin_user_exists(bootstrap_app, tokens):
    client = bootstrap_app.test_client()
    plan = make_plan(client, tokens["ed"], "bootstrap-target")
    assert client.get(f"/api/v1/plans/{plan['slug']}", headers=bearer("x")).status_code == 404
    resp = client.post("/api/v1/plans", json={"name": "By bootstrap", "copy_from": "demo-commissioner-proposal"},
                       headers=bearer("x"))  # fmt: skip
    assert resp.status_code == 401
