"""One JSON log line per request, with request id, route, status, duration and user id (issue 26); the request
id in every problem+json body and HTML error page; never a password, token or query string in a line."""

from __future__ import annotations

import io
import json
import logging

import pytest

from geo_service.web.pipeline import request_log
from tests.access.conftest import PASSWORD, sign_in


@pytest.fixture
def lines():
    """The JSON lines the request logger writes during the test (the handler ``GEO_LOG_FORMAT=json`` installs)."""
    stream = io.StringIO()
    handler = request_log.json_handler(stream)
    logger = logging.getLogger(request_log.REQUEST_LOGGER)
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        logger.removeHandler(handler)


def test_one_json_line_per_request(access_app, tokens, lines):
    client = access_app.test_client()
    resp = client.get("/maps/demo-as-registered", headers={"Authorization": f"Bearer {tokens['ed']}"})
    assert resp.status_code == 200
    client.get("/maps/no-such-scenario")
    got = lines()
    assert len(got) == 2
    first, second = got
    assert first["message"] == "request" and first["logger"] == "geo_service.requests" and first["level"] == "INFO"
    assert first["request_id"] == resp.headers["X-Request-ID"] and len(first["request_id"]) == 32
    assert first["route"] == "/maps/<scenario>" and first["path"] == "/maps/demo-as-registered"
    assert first["method"] == "GET" and first["status"] == 200
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] > 0
    from geo_service.access import service as access
    from geo_service.db.pool import Database

    db = Database(access_app.config["DATABASE_URL"])
    with db.connection() as conn:
        ed = access.verify_token(conn, tokens["ed"])
    db.close()
    assert first["user_id"] == ed.id
    assert second["status"] == 404 and second["user_id"] is None
    assert second["request_id"] != first["request_id"]


def test_no_password_token_or_query_in_a_line(access_app, tokens, lines):
    client = access_app.test_client()
    sign_in(client, "ed")
    client.post("/sign-in", data={"username": "ed", "password": "wrong-Pa55word-xyz", "csrf_token": "x"})
    client.get("/maps/demo-as-registered?token=s3cret-in-query", headers={"Authorization": f"Bearer {tokens['ed']}"})
    text = json.dumps(lines())
    assert '"path": "/sign-in"' in text
    for secret in (PASSWORD, "wrong-Pa55word-xyz", tokens["ed"], "s3cret-in-query", "csrf"):
        assert secret not in text
    # the signed-in session's user is named once the request has loaded it
    assert any(line["user_id"] is not None for line in lines() if line["path"] == "/maps/demo-as-registered")


def test_request_id_in_problem_json_and_error_page(access_app, lines):
    client = access_app.test_client()
    api = client.get("/api/v1/scenarios/no-such-scenario/checks")
    assert api.status_code == 404 and api.mimetype == "application/problem+json"
    assert api.get_json()["request_id"] == api.headers["X-Request-ID"]
    page = client.get("/maps/no-such-scenario", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert f"<code>{page.headers['X-Request-ID']}</code>" in page.get_data(as_text=True)
    # the line of each request carries the id its client saw
    assert [line["request_id"] for line in lines()] == [api.headers["X-Request-ID"], page.headers["X-Request-ID"]]


def test_records_logged_inside_a_request_carry_its_id(demo_db_url):
    from tests.conftest import make_app

    app = make_app(demo_db_url, GEO_TRUSTED_PROXIES=1)  # behind a proxy: its X-Request-ID is kept
    stream = io.StringIO()
    handler = request_log.json_handler(stream)
    other = logging.getLogger("geo_service.some_module")
    other.addHandler(handler)
    other.setLevel(logging.WARNING)
    try:
        with app.test_request_context("/", headers={"X-Request-ID": "abc-123"}):
            app.preprocess_request()
            other.warning("something odd")
        other.warning("outside a request")
    finally:
        other.removeHandler(handler)
        app.extensions["geo_db"].close()
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["request_id"] == "abc-123" and inside["message"] == "something odd"
    assert outside["request_id"] == "-"


def test_log_format_is_checked(demo_db_url):
    from tests.conftest import make_app

    with pytest.raises(ValueError, match="GEO_LOG_FORMAT must be json or text, got 'xml'"):
        make_app(demo_db_url, GEO_LOG_FORMAT="xml")
