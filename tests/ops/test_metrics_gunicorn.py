"""``/metrics`` under gunicorn with several workers (issue 26): one scrape adds up every worker's counts."""

from __future__ import annotations

import os
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from geo_service.cli.serve_commands import gunicorn_command
from tests.conftest import free_port
from tests.gunicorn_server import running_gunicorn

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(demo_db_url, tmp_path_factory):
    port = free_port()
    folder = tmp_path_factory.mktemp("prometheus")
    (folder / "counter_stale.db").write_bytes(b"")  # a previous run's file: cleared when gunicorn starts
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": demo_db_url,
        "GEO_TILES_URL": "none",
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "GEO_LOG_FORMAT": "json",
    }
    cmd = gunicorn_command("127.0.0.1", port, workers=2, threads=1, access_log=False)  # several: two suffice
    with running_gunicorn(cmd, env, log, port, "/api/openapi.json") as url:
        yield url, folder, log


def _healthz_count(url: str) -> float:
    body = urllib.request.urlopen(url + "/metrics", timeout=10).read().decode()
    total = 0.0
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            if s.name == "flask_http_request_duration_seconds_count" and s.labels.get("url_rule") == "/healthz":
                total += s.value
    return total


def test_one_scrape_counts_the_requests_of_every_worker(server):
    url, folder, log = server
    assert not (folder / "counter_stale.db").exists()
    # Ten at a time: one-thread workers busy with one request leave the next to another worker (sent one by one,
    # the kernel may hand every connection to the same idle worker).
    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(lambda _: urllib.request.urlopen(url + "/healthz", timeout=10).read(), range(30)))
    # whichever worker answers the scrape reports all 30 (several scrapes: several workers likely answer)
    assert [_healthz_count(url) for _ in range(6)] == [30.0] * 6
    pids = {name.rsplit("_", 1)[-1] for name in os.listdir(folder) if name.startswith("counter_")}
    assert len(pids) >= 2, f"one worker answered all requests ({pids}): the test proves nothing"


def test_json_request_lines_on_stderr(server):
    """``GEO_LOG_FORMAT=json`` under gunicorn: each request is one JSON line (gunicorn's access log is off)."""
    url, _, log = server
    with urllib.request.urlopen(url + "/healthz", timeout=10) as resp:
        rid = resp.headers["X-Request-ID"]
    import json

    give_up = time.monotonic() + 30  # the worker writes its line as the response ends: wait for it to land
    while True:
        text = log.read_text()
        complete = text[: text.rfind("\n") + 1]  # a line being written is read on the next turn
        lines = [json.loads(line) for line in complete.splitlines() if line.startswith("{")]
        mine = [line for line in lines if line.get("request_id") == rid]
        if mine or time.monotonic() > give_up:
            break
        time.sleep(0.05)
    assert len(mine) == 1 and mine[0]["route"] == "/healthz" and mine[0]["status"] == 200
    assert '"GET /healthz HTTP/1.1" 200' not in log.read_text()  # no second, plain access line
