"""Background suggestions on the job queue (procrastinate in our PostgreSQL), against a real web process:
a job survives the web process being killed in the middle of it, and a failing job reports its error."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg2
import pytest

from geo_service.access import service as access
from geo_service.db.pool import Database
from tests.conftest import free_port

PASSWORD = "correct horse battery"


@pytest.fixture
def queue_db(fresh_demo_db_url):
    db = Database(fresh_demo_db_url, statement_timeout_ms=0)
    try:
        with db.connection() as conn:
            access.add_user(conn, "ed", "Ed", PASSWORD)
            access.grant(conn, "ed", "editor", None)
            token = access.create_token(conn, "ed", "tests")[1]
    finally:
        db.close()
    return fresh_demo_db_url, token


class WebProcess:
    """``geo-service serve`` in a process of its own, with a fast heartbeat so a stopped worker is seen soon."""

    def __init__(self, url: str, log: Path) -> None:
        self.port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "GEO_TILES_URL": "none", "GEO_COOKIE_SECURE": "0",
               "GEO_JOB_HEARTBEAT_SECONDS": "1", "GEO_JOB_STALLED_SECONDS": "3"}  # fmt: skip
        self.log = log
        with open(log, "ab") as out:
            cli = str(Path(sys.executable).parent / "geo-service")
            self.proc = subprocess.Popen(
                [cli, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=2).read()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    pytest.fail("the web process did not start:\n" + log.read_text())
                time.sleep(0.2)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.load(resp)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)  # no goodbye: as a crashed or OOM-killed process
        self.proc.wait(timeout=30)


def _wait(what, deadline_s: float, message: str):
    deadline = time.monotonic() + deadline_s
    while True:
        found = what()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(message)
        time.sleep(0.2)


def _follow(web: WebProcess, token: str, job_id: int, deadline_s: float = 180) -> dict:
    def ended():
        status, state = web.call("GET", f"/api/v1/suggest-jobs/{job_id}", token)
        assert status == 200, state
        return state if state["state"] in ("done", "failed") else None

    return _wait(ended, deadline_s, f"job {job_id} did not end:\n{web.log.read_text()}")


def test_a_job_survives_the_web_process_being_killed_while_it_runs(queue_db, tmp_path):
    url, token = queue_db
    log = tmp_path / "web.log"
    # The test holds the table the job writes last, so the job is caught in the middle of its work.
    holder = psycopg2.connect(url)
    holder.cursor().execute("LOCK TABLE plan_suggestions IN ACCESS EXCLUSIVE MODE")
    first = WebProcess(url, log)
    try:
        status, job = first.call("POST", "/api/v1/plans/demo-as-registered/suggest", token,
                                 {"boundary_set": "demo-ccg", "seed": 2})  # fmt: skip
        assert status == 202, job

        def blocked():
            with psycopg2.connect(url) as conn, conn.cursor() as cur:
                cur.execute(
                    "SELECT j.state, j.progress, j.total, (SELECT count(*) FROM pg_locks l WHERE NOT l.granted"
                    " AND l.relation = 'plan_suggestions'::regclass) FROM suggest_jobs j WHERE j.id = %(id)s",
                    {"id": job["id"]},
                )
                row = cur.fetchone()
            return row if row[0] == "running" and row[3] > 0 else None

        state, progress, total, _ = _wait(blocked, 120, "the job never reached its last write:\n" + log.read_text())
        assert state == "running" and progress == total == 4
    finally:
        first.kill()
        holder.rollback()
        holder.close()
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT state, plan_slug FROM suggest_jobs WHERE id = %(id)s", {"id": job["id"]})
        assert cur.fetchone() == ("running", None)  # the killed process finished nothing
    second = WebProcess(url, log)
    try:
        done = _follow(second, token, job["id"])
        # the task marks the job done before the queue records its own outcome: wait for the queue's row (the
        # second process's worker writes it) before stopping the process, on the event, with a deadline (killed
        # at once, the row was sometimes left at ('doing', 1))
        queue_row = _queue_row_when_settled(url, job["id"])
    finally:
        second.kill()
    assert done["state"] == "done", done
    assert done["attempts"] == 2 and done["progress"] == done["total"] == 4
    assert done["plan"] and done["error"] is None
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM plan_suggestions")
        assert cur.fetchone()[0] == 1  # one plan, from the second process
    assert queue_row == ("succeeded", 2)  # the queue's own record: retried once, then done
    assert "left running by a stopped worker; queued again" in log.read_text()


def test_a_failing_job_reports_its_error(queue_db, tmp_path):
    url, token = queue_db
    web = WebProcess(url, tmp_path / "web.log")
    try:
        status, job = web.call("POST", "/api/v1/plans/demo-as-registered/suggest", token,
                               {"boundary_set": "demo-ccg", "locks": ["UZ9999"]})  # fmt: skip
        assert status == 202, job
        ended = _follow(web, token, job["id"])
        # the task writes the failure to the job before the queue records its own outcome: wait for the queue's
        # row (the web process's worker writes it) before stopping the process, on the event, with a deadline
        queue_status = _queue_row_when_settled(url, job["id"])[0]
    finally:
        web.kill()
    assert ended["state"] == "failed" and ended["plan"] is None
    assert ended["error"] == "Not networks of 'demo-as-registered': UZ9999."
    assert queue_status == "failed"


def _queue_row_when_settled(url: str, job_id, deadline_s: float = 30.0) -> tuple[str | None, int | None]:
    """The procrastinate job's (status, attempts) once it has left 'todo'/'doing' (or the last seen when the
    deadline passes)."""
    end = time.monotonic() + deadline_s
    row = (None, None)
    while time.monotonic() < end:
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT q.status, q.attempts FROM procrastinate_jobs q JOIN suggest_jobs j ON j.queue_job_id = q.id"
                " WHERE j.id = %(id)s",
                {"id": job_id},
            )
            found = cur.fetchone()
        conn.close()
        row = tuple(found) if found else (None, None)
        if row[0] not in ("todo", "doing", None):
            return row
        time.sleep(0.1)
    return row
