"""``/metrics`` (issue 26): Prometheus text format, per route and status, pool, caches, print queue, jobs."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import make_app


def _samples(body: str) -> list:
    return [s for family in text_string_to_metric_families(body) for s in family.samples]


def _value(samples, name: str, **labels) -> float | None:
    for s in samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return None


@pytest.fixture
def metrics_app(demo_db_url):
    app = make_app(demo_db_url)
    yield app
    app.extensions["geo_db"].close()


def test_metrics_count_requests_per_route_and_status(metrics_app):
    client = metrics_app.test_client()
    before = _samples(client.get("/metrics").get_data(as_text=True))
    route = {"url_rule": "/maps/<scenario>", "method": "GET"}
    n0 = _value(before, "flask_http_request_duration_seconds_count", status="200", **route) or 0
    for _ in range(3):
        assert client.get("/maps/demo-as-registered").status_code == 200
    assert client.get("/maps/no-such-scenario").status_code == 404
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    samples = _samples(response.get_data(as_text=True))
    # count and latency per route (the URL rule: one series per route, not per URL) and status
    assert _value(samples, "flask_http_request_duration_seconds_count", status="200", **route) == n0 + 3
    assert _value(samples, "flask_http_request_duration_seconds_count", status="404", **route) == 1
    assert _value(samples, "flask_http_request_duration_seconds_sum", status="200", **route) > 0
    assert not [s for s in samples if "demo-as-registered" in str(s.labels)]
    assert _value(samples, "flask_http_request_total", method="GET", status="200") >= n0 + 3
    # /metrics itself is not counted
    assert not [s for s in samples if s.labels.get("url_rule") == "/metrics"]


def test_metrics_report_pool_caches_print_queue_and_jobs(metrics_app):
    client = metrics_app.test_client()
    client.get("/api/v1/scenarios/demo-as-registered/layers/networks")
    client.get("/api/v1/scenarios/demo-as-registered/layers/networks")
    samples = _samples(client.get("/metrics").get_data(as_text=True))
    assert _value(samples, "geo_db_pool_connections", state="max") == metrics_app.extensions["geo_db"].maxconn
    assert _value(samples, "geo_db_pool_connections", state="in_use") is not None
    assert _value(samples, "geo_db_pool_connections", state="waiting") == 0
    hits = sum(s.value for s in samples if s.name == "geo_cache_requests_total" and s.labels["result"] == "hit")
    misses = sum(s.value for s in samples if s.name == "geo_cache_requests_total" and s.labels["result"] == "miss")
    assert hits >= 1 and misses >= 1
    assert _value(samples, "geo_print_queue", state="waiting") == 0
    assert _value(samples, "geo_jobs", kind="suggest", state="queued") == 0


def test_pool_stats_count_a_waiting_request(demo_db_url):
    """The pool's waiting figure is real: a second checkout on a pool of one waits, and is counted."""
    import threading
    import time

    from geo_service.db.pool import Database

    db = Database(demo_db_url, maxconn=1)
    try:
        seen = []
        with db.connection():
            t = threading.Thread(target=lambda: db.connection().__enter__())
            t.start()
            for _ in range(100):
                seen.append(db.usage())
                if seen[-1]["waiting"]:
                    break
                time.sleep(0.005)
            assert seen[-1] == {"in_use": 1, "idle": 0, "waiting": 1, "max": 1}
        t.join()
    finally:
        db.close()


def test_metrics_token(demo_db_url):
    token = "m3tr1cs-t0ken-for-the-scraper-only-XYZ"
    app = make_app(demo_db_url, GEO_METRICS_TOKEN=token)
    try:
        client = app.test_client()
        refused = client.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        assert "flask_http_request_total" in ok.get_data(as_text=True)
    finally:
        app.extensions["geo_db"].close()
