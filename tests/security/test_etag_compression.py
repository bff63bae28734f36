# ruff: noqa: F811 - fixtures imported from tests.security.i21_fixtures are parameters here
"""Issue 21 finding 11: flask-compress marks a strong ETag with its encoding ("v5:gzip", "v6:br"); sent back in
``If-Match`` it gave 412. Now the marked tag names the same version: accepted; a stale one is still 412."""

from __future__ import annotations

import pytest

from tests.security.i21_fixtures import bearer, make_plan, secure_app, secure_db, tokens  # noqa: F401


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_compressed_etag_is_accepted_in_if_match(secure_app, tokens, encoding):
    client = secure_app.test_client()
    slug = make_plan(client, tokens["ed"], f"etag-{encoding}")["slug"]
    got = client.get(f"/api/v1/plans/{slug}/editor", headers=bearer(tokens["ed"], **{"Accept-Encoding": encoding}))
    assert got.status_code == 200 and got.headers["Content-Encoding"] == encoding
    tag = got.headers["ETag"]
    assert tag.endswith(f':{encoding}"'), tag  # what a client following the README holds
    resp = client.patch(f"/api/v1/plans/{slug}", json={"description": "kept"},
                        headers=bearer(tokens["ed"], **{"If-Match": tag}))  # fmt: skip
    assert resp.status_code == 200, resp.get_data(as_text=True)
    again = client.patch(f"/api/v1/plans/{slug}", json={"description": "lost"},
                         headers=bearer(tokens["ed"], **{"If-Match": tag}))  # fmt: skip
    assert again.status_code == 412  # the version moved on: still refused


def test_settings_etag_compressed_is_accepted(secure_app, tokens):
    client = secure_app.test_client()
    url = "/api/v1/scenarios/demo-as-registered"
    got = client.get(url, headers={"Accept-Encoding": "gzip"})
    tag = got.headers["ETag"]
    # The tag as compression marks it (flask-compress marks it itself when it compressed this body).
    marked = tag if tag.endswith(':gzip"') else tag[:-1] + ':gzip"'
    resp = client.patch(url, json={"as_of": "2019-06-30"}, headers=bearer(tokens["admin"], **{"If-Match": marked}))
    assert resp.status_code == 200, resp.get_data(as_text=True)


def test_if_match_tags():
    from geo_service.conditional import if_match_tags, matches

    assert if_match_tags('"v5:gzip", W/"v6", "v7:br", *') == ['"v5"', '"v6"', '"v7"', "*"]
    assert matches('"v5:gzip"', '"v5"') and not matches('"v4:gzip"', '"v5"') and not matches('"v5:evil"', '"v5"')
