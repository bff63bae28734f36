"""Every write route of the app × who is asking: anonymous 401, no role 403, cookie session without CSRF 403.

The routes are enumerated from ``app.url_map`` at run time, so write routes added later are covered too.
Stale/missing If-Match (412/428) needs a resource's real version: see test_write_routes.py and test_approval.py
for the scenario settings and decisions; plan routes have theirs in tests/plans."""

from __future__ import annotations

import pytest

from geo_service.demo.generator import REGISTERED
from geo_service.web.auth import PUBLIC_WRITES, WRITE_METHODS
from tests.access.conftest import sign_in

VALUES = {"slug": REGISTERED, "scenario": REGISTERED, "code": "UZ0001", "kind": "assign", "request_id": 1}


def _write_routes(app):
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & WRITE_METHODS):
            if rule.endpoint not in PUBLIC_WRITES:
                path = rule.rule
                for name in rule.arguments:
                    value = str(VALUES.get(name, "x1"))
                    path = path.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
                out.append((method, path))
    return out


def test_anonymous_and_roleless_and_csrf(access_app, tokens):
    routes = _write_routes(access_app)
    assert len(routes) >= 5
    anon = access_app.test_client()
    cookie = access_app.test_client()
    sign_in(cookie, "admin")  # has every role: only the missing CSRF token can stop it
    failures = []
    for method, path in routes:
        checks = (
            (anon, {}, 401),
            (anon, {"Authorization": f"Bearer {tokens['viewer']}", "If-Match": "*"}, 403),
            (cookie, {"If-Match": "*"}, 403),
        )
        for client, headers, want in checks:
            resp = client.open(path, method=method, json={}, headers=headers)
            body = resp.get_json(silent=True) or {}
            csrf_expected = client is cookie
            if resp.status_code != want or (csrf_expected and "CSRF" not in resp.get_data(as_text=True)):
                failures.append(f"{method} {path} {headers or 'anonymous'}: {resp.status_code} {body.get('detail')}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role_user", ["ed"])
def test_role_users_are_not_stopped_by_the_role_check(access_app, tokens, role_user):
    """An editor's token passes the role check on the editor routes (whatever the route answers next)."""
    client = access_app.test_client()
    for method, path in _write_routes(access_app):
        view = access_app.view_functions[access_app.url_map.bind("x").match(path, method=method)[0]]
        if view.write_route["role"] != "editor":
            continue
        resp = client.open(path, method=method, json={}, headers={"Authorization": f"Bearer {tokens[role_user]}"})
        assert resp.status_code != 401, (method, path)
        detail = (resp.get_json(silent=True) or {}).get("detail", "")
        assert "needs the 'editor' role" not in detail, (method, path, detail)
