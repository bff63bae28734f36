# ruff: noqa: F811 - fixtures imported from tests.security.i21_fixtures are parameters here
"""Issue 21 finding 2: the plan status route skipped the visibility check and the approver's commissioners.

Before: an editor + approver (any commissioner) approved another editor's PRIVATE plan (200, with its details);
other editors got 403, not 404, on it and on ``PATCH /api/v1/scenarios/<slug>`` (telling them it exists); an
approver for one commissioner approved a plan covering only another; an approver without the editor role could
not approve at all; an approver could approve their own plan.
"""

from __future__ import annotations

import pytest

from tests.security.i21_fixtures import bearer, make_plan, secure_db, tokens  # noqa: F401 - fixtures

USERS = {
    "ed": [("editor", None)],
    "ed2": [("editor", None)],
    "appr-any-za2": [("editor", None), ("approver", "ZA2")],
    "appr-za1": [("editor", None), ("approver", "ZA1")],
    "appr-only-za1": [("approver", "ZA1")],  # an approver who is not an editor
    "self-appr": [("editor", None), ("approver", None)],
    "admin": [("admin", None)],
}


@pytest.fixture(scope="module")
def client(secure_db):
    from tests.conftest import make_app

    app = make_app(secure_db[0], GEO_COOKIE_SECURE=False)
    yield app.test_client()
    app.extensions["geo_db"].close()


def _plan(client, token: str, slug: str, visibility: str) -> str:
    body = {"name": slug, "slug": slug, "visibility": visibility, "copy_from": "demo-commissioner-proposal",
            "area": "ZA1"}  # fmt: skip
    resp = client.post("/api/v1/plans", json=body, headers=bearer(token))
    assert resp.status_code == 201, resp.get_data(as_text=True)
    sub = client.post(
        f"/api/v1/plans/{slug}/status", json={"status": "submitted"}, headers=bearer(token, **{"If-Match": "*"})
    )
    assert sub.status_code == 200, sub.get_data(as_text=True)
    return slug


def _approve(client, token: str, slug: str):
    return client.post(
        f"/api/v1/plans/{slug}/status", json={"status": "approved"}, headers=bearer(token, **{"If-Match": "*"})
    )


def test_hidden_plan_answers_404_to_every_write(client, tokens):
    slug = _plan(client, tokens["ed"], "hidden-submitted", "private")
    assert client.get(f"/api/v1/plans/{slug}", headers=bearer(tokens["appr-za1"])).status_code == 404
    resp = _approve(client, tokens["appr-za1"], slug)
    assert resp.status_code == 404 and resp.get_json()["status"] == 404 and "owner_id" not in resp.get_json()
    for who in ("ed2", "appr-any-za2"):
        assert _approve(client, tokens[who], slug).status_code == 404
        resp = client.patch(f"/api/v1/scenarios/{slug}", json={"as_of": "2020-01-01"},
                            headers=bearer(tokens[who], **{"If-Match": "*"}))  # fmt: skip
        assert resp.status_code == 404, resp.get_data(as_text=True)
        resp = client.post(f"/api/v1/plans/{slug}/edits/rename", json={"network": "UZ0001", "name": "x"},
                           headers=bearer(tokens[who], **{"If-Match": "*"}))  # fmt: skip
        assert resp.status_code == 404
    # anonymous: 401, as for a slug that does not exist (nothing told)
    assert client.post(f"/api/v1/plans/{slug}/status", json={"status": "approved"}).status_code == 401
    assert client.post("/api/v1/plans/no-such-plan/status", json={"status": "approved"}).status_code == 401
    owner = client.get(f"/api/v1/plans/{slug}", headers=bearer(tokens["ed"])).get_json()
    assert owner["status"] == "submitted"


def test_approver_for_another_commissioner_is_refused(client, tokens):
    slug = _plan(client, tokens["ed"], "za1-only-plan", "public")
    resp = _approve(client, tokens["appr-any-za2"], slug)
    assert resp.status_code == 403 and "ZA1" in resp.get_json()["detail"]
    assert client.get(f"/api/v1/plans/{slug}").get_json()["status"] == "submitted"


def test_approver_without_editor_role_approves_in_their_area(client, tokens):
    slug = _plan(client, tokens["ed"], "za1-approvable", "public")
    resp = _approve(client, tokens["appr-only-za1"], slug)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.get_json()["status"] == "approved"


def test_nobody_approves_their_own_plan(client, tokens):
    slug = _plan(client, tokens["self-appr"], "my-own-plan", "public")
    resp = _approve(client, tokens["self-appr"], slug)
    assert resp.status_code == 403 and "own plan" in resp.get_json()["detail"]
    assert _approve(client, tokens["appr-za1"], slug).status_code == 200
