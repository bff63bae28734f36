"""Many instances (issue 26): two ``geo-service serve --prod`` instances on one database stay coherent.

Both have served (and cached) the scenario before an edit made through the first; the next request to the second
sees the edit, because every cache and ETag is keyed on the scenario's data version read from the database on
each request (migration 0055), not on anything held in a process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.access.conftest import build_access_db
from tests.conftest import free_port
from tests.gunicorn_server import START_DEADLINE_S, stop_gracefully

pytestmark = pytest.mark.slow

SECRET = "Zq8-two-instances-secret-key-4f9b2c7d1e6a5h3j"
URL = "/api/v1/scenarios/demo-as-registered"


def _start(url: str, log: Path) -> tuple[subprocess.Popen, str]:
    """``serve --prod`` started (not yet waited for): (process, base URL)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "GEO_TILES_URL": "none",
        "GEO_SECRET_KEY": SECRET,
        "GEO_PUBLIC_URL": "https://pcn.example.nhs.uk",
        "GEO_COOKIE_SECURE": "1",
        "GEO_RATELIMIT_STORAGE": "memory://",  # throttling is not what this test is about (serve --prod warns)
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cli = str(Path(sys.executable).with_name("geo-service"))
    cmd = [cli, "serve", "--prod", "--host", "127.0.0.1", "--port", str(port), "--workers", "2", "--threads", "2"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}"


def _wait_ready(proc: subprocess.Popen, base: str, log: Path) -> None:
    give_up = time.monotonic() + START_DEADLINE_S
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None:
                pytest.fail(log.read_text())
            if time.monotonic() > give_up:
                pytest.fail("serve --prod did not start: " + log.read_text())
            time.sleep(0.1)


def _call(base: str, method: str = "GET", path: str = URL, body: dict | None = None, headers: dict | None = None):
    req = urllib.request.Request(base + path, method=method, headers=headers or {})
    if body is not None:
        req.data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, dict(resp.headers), json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), json.loads(err.read() or b"{}")


@pytest.fixture
def two_instances(maintenance_url, demo_template, tmp_path):
    from geo_service.db.admin import drop_database

    url, tokens = build_access_db(maintenance_url, demo_template, "two_instances")
    procs = []
    try:
        logs = [tmp_path / f"{name}.log" for name in ("a", "b")]
        for log in logs:  # both start at once; then each is waited for
            procs.append(_start(url, log))
        for (proc, base), log in zip(procs, logs, strict=True):
            _wait_ready(proc, base, log)
        yield [base for _, base in procs], tokens
    finally:
        for proc, _ in procs:
            stop_gracefully(proc)
        drop_database(maintenance_url, url.rsplit("/", 1)[1])


def test_an_edit_through_one_instance_is_seen_through_the_other(two_instances):
    (a, b), tokens = two_instances
    # both instances (every worker of each: several requests) have read and cached the scenario
    for _ in range(4):
        for base in (a, b):
            status, headers, before = _call(base)
            assert status == 200
    etag = headers["ETag"]
    assert before["as_of"] != "2019-06-30"
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    status, _, after = _call(a, "PATCH", body={"as_of": "2019-06-30"}, headers={**admin, "If-Match": etag})
    assert status == 200 and after["as_of"] == "2019-06-30"
    for _ in range(4):  # whichever worker of b answers
        status, headers_b, seen = _call(b)
        assert status == 200 and seen["as_of"] == "2019-06-30"
        assert headers_b["ETag"] != etag
    # and b refuses a write based on the version read before the edit through a
    status, _, problem = _call(b, "PATCH", body={"as_of": "2020-01-01"}, headers={**admin, "If-Match": etag})
    assert status == 412 and problem["current"]["as_of"] == "2019-06-30"
