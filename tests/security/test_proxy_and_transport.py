# ruff: noqa: F811 - fixtures imported from tests.security.i21_fixtures are parameters here
"""Issue 21 finding 14: behind a proxy. Before: ``X-Forwarded-Host`` was ignored (a proxy not passing ``Host``
broke every sign-in with a CSRF 403), no HSTS, session protection trusted a client-set ``X-Forwarded-For``.
(The CSRF token rotation at sign-in is tested in test_sessions.py.)"""

from __future__ import annotations

from tests.conftest import make_app
from tests.security.i21_fixtures import (  # noqa: F401
    PASSWORD,
    STRONG_KEY,
    bearer,
    csrf_of,
    make_plan,
    secure_app,
    secure_db,
    tokens,
)

PUBLIC = "https://pcn.example.org"


def test_hsts_when_the_public_url_is_https(secure_db):
    app = make_app(secure_db[0], GEO_PUBLIC_URL=PUBLIC, GEO_SECRET_KEY=STRONG_KEY)
    try:
        resp = app.test_client().get("/healthz")
        assert resp.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    finally:
        app.extensions["geo_db"].close()


def test_no_hsts_on_plain_http(secure_app):
    assert "Strict-Transport-Security" not in secure_app.test_client().get("/healthz").headers


def test_sign_in_behind_a_proxy_that_forwards_the_host(secure_db):
    """Regression guard: signing in through one trusted proxy (Host: the app's internal name) still works with
    the forwarded host and scheme believed (this also passed before the change)."""
    app = make_app(secure_db[0], GEO_PUBLIC_URL=PUBLIC, GEO_SECRET_KEY=STRONG_KEY, GEO_TRUSTED_PROXIES=1)
    try:
        client = app.test_client()
        proxied = {
            "X-Forwarded-Host": "pcn.example.org",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "198.51.100.20",
        }
        client.environ_base.update({"HTTP_HOST": "app:5000", "REMOTE_ADDR": "172.18.0.5"})
        page = client.get("/sign-in", headers=proxied).get_data(as_text=True)
        import re

        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        resp = client.post(
            "/sign-in",
            data={"username": "ed", "password": PASSWORD, "csrf_token": token},
            headers={**proxied, "Referer": f"{PUBLIC}/sign-in"},
        )
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    finally:
        app.extensions["geo_db"].close()


def test_session_is_bound_to_the_real_address_not_a_header(secure_app, tokens):
    plan = make_plan(secure_app.test_client(), tokens["ed"], "bound-session")
    browser = secure_app.test_client()
    browser.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    spoof = {"X-Forwarded-For": "192.0.2.44"}
    token = csrf_of(browser)
    signed = browser.post("/sign-in", data={"username": "ed", "password": PASSWORD, "csrf_token": token}, headers=spoof)
    assert signed.status_code == 302
    assert browser.get(f"/api/v1/plans/{plan['slug']}", headers=spoof).status_code == 200
    thief = secure_app.test_client()
    thief.environ_base["REMOTE_ADDR"] = "10.0.0.2"  # another machine, claiming the same forwarded address
    thief.set_cookie("session", browser.get_cookie("session").value)
    assert thief.get(f"/api/v1/plans/{plan['slug']}", headers=spoof).status_code == 404
