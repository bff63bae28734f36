"""Background suggestions (all of England): jobs kept in PostgreSQL (``suggest_jobs``), claimed with
``FOR UPDATE SKIP LOCKED`` so any number of workers share them, progress written per area, and a heartbeat:
a running job whose worker stopped (a web process restarted) is claimed again by the next worker. The web
process runs one worker thread, started on the first suggestion request; ``geo-service suggest --worker`` runs
one in its own process.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from geo_service.db.repositories import operations
from geo_service.db.repositories import suggest as repo
from geo_service.errors import GeoServiceError

log = logging.getLogger(__name__)

STALE_SECONDS = 300  # a running job with no heartbeat for this long is taken up again (writing England: ~40 s)
IDLE_SECONDS = 2.0


def submit(conn, owner_id: int | None, request: dict[str, Any], total: int) -> int:
    """Queue a suggestion (the caller's transaction commits it)."""
    return repo.insert_job(conn, owner_id, request, total)


def job(conn, job_id: int) -> dict | None:
    """A job's row (state, progress, owner, the plan it made), or None."""
    return repo.job(conn, job_id)


def counts(conn) -> dict[str, int]:
    """Jobs by state (the /metrics gauges)."""
    return operations.suggest_job_counts(conn)


def describe(row: dict) -> dict[str, Any]:
    return {
        "id": row["id"],
        "state": row["state"],
        "progress": row["progress"],
        "total": row["total"],
        "message": row["message"],
        "plan": row["plan_slug"],
        "error": row["error"],
        "attempts": row["attempts"],
        "created_at": row["created_at"].isoformat(),
        "started_at": row["started_at"].isoformat() if row["started_at"] else None,
        "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None,
    }


def run_one(db) -> bool:
    """Claim and run one job; False when none is waiting."""
    from geo_service.suggest import service

    with db.connection() as conn:
        job = repo.claim_job(conn, STALE_SECONDS)
        conn.commit()
    if job is None:
        return False
    log.info("suggest job %s: started (attempt %s)", job["id"], job["attempts"])

    def progress(i: int, n: int, code: str) -> None:
        with db.connection() as pconn:
            message = f"area {code} ({i + 1} of {n})" if code != "done" else "writing the plan"
            repo.job_progress(pconn, job["id"], i, n, message)

    try:
        body = dict(job["request"])
        scenario = body.pop("scenario")
        req = service.parse_request(scenario, body)
        with db.connection(statement_timeout_ms=0) as conn:
            out = service.suggest(conn, req, job["owner_id"], _actor(conn, job["owner_id"]), progress)
        slug, error = out["plan"]["slug"], None
    except GeoServiceError as exc:
        slug, error = None, exc.detail
    except Exception:  # a job must end failed, never stay running: the traceback goes to the log
        log.exception("suggest job %s failed", job["id"])
        slug, error = None, "The suggestion failed; see the service log."
    with db.connection() as conn:
        repo.job_finished(conn, job["id"], slug, error)
    log.info("suggest job %s: %s", job["id"], error or slug)
    return True


def _actor(conn, owner_id: int | None):
    if owner_id is None:
        return None
    from geo_service.access.service import actor_for_user
    from geo_service.db.repositories import users as users_repo

    row = users_repo.get_user(conn, owner_id)
    return actor_for_user(conn, row) if row else None


def work(db, stop: threading.Event, idle: float = IDLE_SECONDS) -> None:
    """Run jobs until ``stop`` is set."""
    while not stop.is_set():
        try:
            ran = run_one(db)
        except Exception:  # the database went away: try again later
            log.exception("suggest worker: could not take a job")
            ran = False
        if not ran:
            stop.wait(idle)


class Worker:
    """One worker thread per process (kept on ``app.extensions``)."""

    def __init__(self, db) -> None:
        self.db = db
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def ensure_started(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=work, args=(self.db, self.stop), name="suggest-worker",
                                               daemon=True)  # fmt: skip
                self.thread.start()

    def close(self, timeout: float = 5.0) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout)


def wait_for(db, job_id: int, timeout: float = 300.0) -> dict:
    """Poll a job until it ends (tests and the CLI)."""
    deadline = time.monotonic() + timeout
    while True:
        with db.connection() as conn:
            row = repo.job(conn, job_id)
        if row is None or row["state"] in ("done", "failed") or time.monotonic() > deadline:
            return row
        time.sleep(0.5)
