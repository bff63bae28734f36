"""`make run` end to end, as a user runs it: set-up, migrate, demo data, serve; and again, reusing the data.

Points DATABASE_URL at a fresh test database so that no local cluster is started and the
user's data is never touched.
"""

import json
import os
import signal
import subprocess
import time
import urllib.request

import psycopg2
import pytest

from geo_service.config import PROJECT_ROOT
from tests.conftest import free_port


def _start(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "PORT": str(port), "GEO_TILES_URL": "none"}
    return subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_healthy(proc: subprocess.Popen, port: int, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"make run exited early:\n{proc.stdout.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                return json.load(resp)
        except OSError:
            time.sleep(0.5)
    pytest.fail("make run did not answer /healthz in time")


def _stop(proc: subprocess.Popen) -> str:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
    return out


def _data_version(url: str) -> int:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT version FROM data_version")
        return cur.fetchone()[0]


def test_make_run_serves_demo_data_and_a_second_run_reuses_it(fresh_db_url):
    port = free_port()
    proc = _start(fresh_db_url, port)
    try:
        health = _wait_healthy(proc, port)
        assert health["status"] == "ok" and health["db"] == "ok"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/scenarios", timeout=5) as resp:
            slugs = {s["slug"] for s in json.load(resp)["scenarios"]}
        assert slugs == {"demo-as-registered", "demo-commissioner-proposal"}
    finally:
        first = _stop(proc)
    assert "DATABASE_URL is set: no local cluster started" in first
    assert "demo data loaded" in first
    version = _data_version(fresh_db_url)

    proc = _start(fresh_db_url, port)
    try:
        assert _wait_healthy(proc, port, timeout=60)["status"] == "ok"
    finally:
        second = _stop(proc)
    assert "schema up to date" in second
    assert "demo data: skipped" in second
    assert _data_version(fresh_db_url) == version
