"""Every write route carries the access checks; the scenario settings route × role (issue 12)."""

from __future__ import annotations

from geo_service.demo.generator import REGISTERED
from geo_service.web.auth import PUBLIC_WRITES, WRITE_METHODS
from tests.access.conftest import sign_in

URL = f"/api/v1/scenarios/{REGISTERED}"


def test_every_write_route_is_marked(access_app):
    """Fails for any route taking POST/PUT/PATCH/DELETE whose view lacks the write_route mark."""
    unmarked, writes = [], []
    for rule in access_app.url_map.iter_rules():
        if not (rule.methods or set()) & WRITE_METHODS:
            continue
        writes.append(rule.rule)
        view = access_app.view_functions[rule.endpoint]
        if rule.endpoint in PUBLIC_WRITES:
            assert rule.rule in ("/sign-in", "/sign-out", "/sign-in/oidc")
            continue
        if not getattr(view, "write_route", None):
            unmarked.append(f"{sorted(rule.methods & WRITE_METHODS)} {rule.rule} ({rule.endpoint})")
    assert not unmarked, "write routes without @write_route: " + "; ".join(unmarked)
    assert URL.replace(REGISTERED, "<slug>") in writes


def _problem(resp, status):
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.headers["Content-Type"] == "application/problem+json"
    return resp.get_json()


def test_scenario_settings_by_role(access_app, tokens):
    client = access_app.test_client()
    got = client.get(URL)
    assert got.status_code == 200
    tag = got.headers["ETag"]
    body = {"as_of": "2019-06-30"}
    # anonymous: 401; a bad token: 401 naming the token
    assert _problem(client.patch(URL, json=body), 401)["title"] == "Sign-in required"
    bad = _problem(client.patch(URL, json=body, headers={"Authorization": "Bearer nope", "If-Match": tag}), 401)
    assert "token is not valid" in bad["detail"]
    # no role, or editor who does not own the scenario: 403
    for who in ("viewer", "appr", "ed"):
        auth = {"Authorization": f"Bearer {tokens[who]}", "If-Match": tag}
        assert _problem(client.patch(URL, json=body, headers=auth), 403)["status"] == 403
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    # missing If-Match: 428; stale: 412 with the current state
    missing = _problem(client.patch(URL, json=body, headers=admin), 428)
    assert missing["etag"] == tag
    stale = _problem(client.patch(URL, json=body, headers={**admin, "If-Match": '"v0"'}), 412)
    assert stale["current"]["as_of"] == got.get_json()["as_of"] and stale["etag"] == tag
    ok = client.patch(URL, json=body, headers={**admin, "If-Match": tag, "X-Request-ID": "req-settings-1"})
    assert ok.status_code == 200 and ok.get_json()["as_of"] == "2019-06-30"
    # issue 26: a client's own X-Request-ID is not believed without a trusted proxy: a generated one is used
    rid = ok.headers["X-Request-ID"]
    assert rid != "req-settings-1" and len(rid) == 32
    assert ok.headers["ETag"] != tag
    # the old ETag is stale now: a second writer holding it gets 412, not a silent overwrite
    again = _problem(client.patch(URL, json={"as_of": "2020-01-01"}, headers={**admin, "If-Match": tag}), 412)
    assert again["current"]["as_of"] == "2019-06-30"
    # the bootstrap admin token stops working once an admin user exists (issue 21 finding 9)
    boot = {"Authorization": "Bearer bootstrap-secret-token", "If-Match": ok.headers["ETag"]}
    assert client.patch(URL, json={"as_of": "2019-07-01"}, headers=boot).status_code == 401
    # audit rows for both writes, with request id and before → after
    log = client.get(f"/api/v1/audit?scenario={REGISTERED}").get_json()
    first = [e for e in log["entries"] if e["request_id"] == rid]
    assert (
        len(first) == 1 and first[0]["before"]["as_of"] != "2019-06-30" and first[0]["after"]["as_of"] == "2019-06-30"
    )
    assert log["entries"][0]["actor_name"] == "admin"


def test_cookie_session_needs_csrf(access_app):
    client = access_app.test_client()
    csrf_token = sign_in(client, "admin")
    tag = client.get(URL).headers["ETag"]
    body = {"as_of": "2019-08-01"}
    no_csrf = _problem(client.patch(URL, json=body, headers={"If-Match": tag}), 403)
    assert "CSRF" in no_csrf["detail"]
    wrong = _problem(client.patch(URL, json=body, headers={"If-Match": tag, "X-CSRFToken": "forged"}), 403)
    assert "CSRF" in wrong["detail"]
    ok = client.patch(URL, json=body, headers={"If-Match": tag, "X-CSRFToken": csrf_token})
    assert ok.status_code == 200, ok.get_data(as_text=True)
    # signed out, the same request is anonymous
    client.post("/sign-out", data={"csrf_token": csrf_token})
    assert _problem(client.patch(URL, json=body, headers={"X-CSRFToken": csrf_token}), 401)["status"] == 401


def test_session_cookie_flags_and_request_ids(access_db_url):
    from tests.conftest import make_app

    app = make_app(access_db_url[0])  # default: Secure cookies
    try:
        client = app.test_client()
        page = client.get("/sign-in", base_url="https://127.0.0.1")
        cookie = page.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert app.config["SESSION_COOKIE_SECURE"] is True
        # request ids: without a trusted proxy (GEO_TRUSTED_PROXIES) the client's is replaced by a generated one
        # (issue 26; tests/ops/test_request_id.py: a trusted proxy's sane one is kept)
        assert len(client.get("/sign-in", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"]) == 32
        odd = client.get("/sign-in", headers={"X-Request-ID": "<script>"}).headers["X-Request-ID"]
        assert odd != "<script>" and len(odd) == 32
    finally:
        app.extensions["geo_db"].close()


def test_sign_in_never_redirects_off_site(access_app):
    import re

    from tests.access.conftest import PASSWORD

    client = access_app.test_client()
    for target, expected in (
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/sign-in?x=1", "/sign-in?x=1"),
    ):
        page = client.get("/sign-in").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        resp = client.post(
            "/sign-in", data={"username": "ed", "password": PASSWORD, "csrf_token": token, "next": target}
        )
        assert resp.status_code == 302 and resp.headers["Location"] == expected
        client.post("/sign-out", data={"csrf_token": token})
