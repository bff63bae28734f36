from tests.conftest import free_port, make_app


def test_healthz_ok(demo_client):
    resp = demo_client.get("/healthz")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["status"] == "ok" and body["db"] == "ok"
    assert body["postgis"].startswith("3.")


def test_healthz_503_when_database_unreachable():
    app = make_app(f"postgresql://nobody:x@127.0.0.1:{free_port()}/nothing")
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 503
    assert resp.headers["Content-Type"] == "application/problem+json"
    body = resp.get_json()
    assert body["status"] == 503 and body["title"] == "Database unavailable"
    assert "nobody" not in resp.get_data(as_text=True)  # no connection details leak


def test_unknown_api_path_is_problem_json(demo_client):
    resp = demo_client.get("/api/v1/nothing-here")
    assert resp.status_code == 404
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert resp.get_json()["status"] == 404


def test_unknown_page_is_friendly_html(demo_client):
    resp = demo_client.get("/no-such-page", headers={"Accept": "text/html"})
    assert resp.status_code == 404
    assert resp.mimetype == "text/html"
    assert "Back to the overview" in resp.get_data(as_text=True)
