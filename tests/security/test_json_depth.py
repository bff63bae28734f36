"""Issue 21 finding 13: a 2 KB JSON body nested 1,000 deep gave 500 (RecursionError) on every JSON write route.
Now 400 problem+json naming the depth, on every write route, before any other check."""

from __future__ import annotations

from tests.access.test_every_write_route import _write_routes
from tests.security.i21_fixtures import secure_app, secure_db  # noqa: F401 - fixtures

DEEP = ("[" * 1000 + "]" * 1000).encode()  # 2 KB


def test_deep_json_is_400_on_every_write_route(secure_app):  # noqa: F811
    client = secure_app.test_client()
    routes = _write_routes(secure_app)
    assert len(routes) >= 10
    wrong = []
    for method, path in routes:
        resp = client.open(path, method=method, data=DEEP, content_type="application/json")
        body = resp.get_json(silent=True) or {}
        api = path.startswith("/api/")  # page form routes answer with the HTML error page, also 400
        if resp.status_code != 400 or (
            api and (resp.mimetype != "application/problem+json" or "1000 levels" not in str(body.get("detail")))
        ):
            wrong.append(f"{method} {path}: {resp.status_code} {body.get('detail')}")
    assert not wrong, "\n".join(wrong)


def test_depth_counts_brackets_outside_strings_only():
    from geo_service.web.pipeline.errors import json_depth

    assert json_depth(b'{"a": [1, {"b": "[[[[[[\\"]]"}]}') == 3
    assert json_depth(b'{"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]}') == 4
    assert json_depth(b"") == 0
