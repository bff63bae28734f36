"""Background suggestions (all of England) on procrastinate, a well-kept job queue kept in the PostgreSQL we
already run (its tables are made by ``geo-service migrate``: :mod:`geo_service.db.queue_schema`).

Two tables, two concerns. ``procrastinate_jobs`` is the queue: procrastinate hands each job to one worker
(``FOR UPDATE SKIP LOCKED`` inside the library), and its workers beat a heartbeat into ``procrastinate_workers``.
``suggest_jobs`` is what a planner follows: who asked, what, progress per area, the plan made or the error.

A job survives a restart of the web process: one that was waiting is simply taken by the next worker; one that was
running when its process stopped belongs to a worker whose heartbeat stops, and every worker looks for such
*stalled* jobs (procrastinate's ``get_stalled_jobs``) at start and every half ``stalled_seconds``, and hands them
back to the queue (``retry_job``), as procrastinate's documentation recommends.

Workers: the web process runs one in a thread, started by the first suggestion request (``GEO_JOB_WORKER=thread``,
the default; ``off`` leaves jobs to separate workers), and ``geo-service worker`` runs one in its own process.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from geo_service.db.repositories import operations
from geo_service.db.repositories import suggest as repo
from geo_service.errors import GeoServiceError

if TYPE_CHECKING:
    import procrastinate

log = logging.getLogger(__name__)

QUEUE = "suggest"
TASK = "geo_service.suggest"
HEARTBEAT_SECONDS = 10.0  # procrastinate's default
STALLED_SECONDS = 30.0  # a worker silent this long has stopped: its running jobs go back to the queue


def queue_app(url: str) -> procrastinate.App:
    """A procrastinate app on ``url`` with the suggestion task (one per worker or submission; not opened)."""
    import procrastinate  # on first use: a web process that never queues a suggestion does not load it

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=3))
    app.task(name=TASK, queue=QUEUE, pass_context=True)(_run_task)
    return app


def submit(conn, url: str, owner_id: int | None, request: dict[str, Any], total: int) -> int:
    """Record a suggestion job and put it on the queue. Commits ``conn`` (the worker must see the record)."""
    job_id = repo.insert_job(conn, owner_id, request, total)
    conn.commit()
    try:
        with queue_app(url).open() as app:
            queued = app.configure_task(TASK).defer(suggest_job_id=job_id)
    except Exception:  # the queue refused it: the record says so rather than waiting for ever
        log.exception("suggest job %s: could not be queued", job_id)
        repo.job_finished(conn, job_id, None, "The job could not be queued; see the service log.")
        conn.commit()
        return job_id
    repo.job_queued(conn, job_id, queued)
    conn.commit()
    return job_id


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


def _run_task(context: procrastinate.JobContext, suggest_job_id: int) -> None:
    """The task procrastinate runs (in a thread of the worker): compute and write the suggestion, with
    progress per area. A refused request or a failure is written on the job and raised, so procrastinate marks
    its job failed too."""
    run(context.additional_context["db"], suggest_job_id)


def run(db, job_id: int) -> str:
    """Run one recorded suggestion job; the new plan's slug."""
    from geo_service.suggest import service

    with db.connection() as conn:
        job = repo.job_started(conn, job_id)
    if job is None:
        raise GeoServiceError(f"No suggestion job {job_id}.")
    log.info("suggest job %s: started (attempt %s)", job_id, job["attempts"])

    def progress(i: int, n: int, code: str) -> None:
        with db.connection() as pconn:
            message = f"area {code} ({i + 1} of {n})" if code != "done" else "writing the plan"
            repo.job_progress(pconn, job_id, i, n, message)

    try:
        body = dict(job["request"])
        scenario = body.pop("scenario")
        req = service.parse_request(scenario, body)
        with db.connection(statement_timeout_ms=0) as conn:
            out = service.suggest(conn, req, job["owner_id"], _actor(conn, job["owner_id"]), progress)
    except GeoServiceError as exc:
        _finish(db, job_id, None, exc.detail)
        raise
    except Exception:
        log.exception("suggest job %s failed", job_id)
        _finish(db, job_id, None, "The suggestion failed; see the service log.")
        raise
    slug = out["plan"]["slug"]
    _finish(db, job_id, slug, None)
    return slug


def _finish(db, job_id: int, slug: str | None, error: str | None) -> None:
    with db.connection() as conn:
        repo.job_finished(conn, job_id, slug, error)
    log.info("suggest job %s: %s", job_id, error or slug)


def _actor(conn, owner_id: int | None):
    if owner_id is None:
        return None
    from geo_service.access.service import actor_for_user
    from geo_service.db.repositories import users as users_repo

    row = users_repo.get_user(conn, owner_id)
    return actor_for_user(conn, row) if row else None


async def _recover_stalled(app: procrastinate.App, stalled: float) -> None:
    """Hand jobs whose worker stopped beating back to the queue, now and every half ``stalled`` seconds."""
    while True:
        try:
            for job in await app.job_manager.get_stalled_jobs(queue=QUEUE, seconds_since_heartbeat=stalled):
                log.warning("suggest queue: job %s was left running by a stopped worker; queued again", job.id)
                await app.job_manager.retry_job(job)
        except Exception:  # the database went away or another worker took it first: look again later
            log.exception("suggest queue: could not look for stalled jobs")
        await asyncio.sleep(stalled / 2)


async def work(
    url: str,
    db,
    stop: asyncio.Event | None = None,
    heartbeat: float = HEARTBEAT_SECONDS,
    stalled: float = STALLED_SECONDS,
    name: str = "geo-service",
) -> None:
    """Run the queue's worker (and the stalled-job recovery) until ``stop`` is set or the task is cancelled."""
    app = queue_app(url)
    async with app.open_async():
        worker = asyncio.create_task(
            app.run_worker_async(
                queues=[QUEUE],
                name=name,
                concurrency=1,
                install_signal_handlers=False,
                update_heartbeat_interval=heartbeat,
                stalled_worker_timeout=stalled,
                additional_context={"db": db},
            )
        )
        recovery = asyncio.create_task(_recover_stalled(app, stalled))
        waits = [worker] + ([asyncio.create_task(stop.wait())] if stop is not None else [])
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (recovery, *waits):
                task.cancel()
            await asyncio.gather(recovery, *waits, return_exceptions=True)


class Worker:
    """One worker thread per web process (kept on ``app.extensions``), with its own event loop."""

    def __init__(self, url: str, db, heartbeat: float = HEARTBEAT_SECONDS, stalled: float = STALLED_SECONDS):
        self.url, self.db, self.heartbeat, self.stalled = url, db, heartbeat, stalled
        self.thread: threading.Thread | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.stop: asyncio.Event | None = None
        self.lock = threading.Lock()

    def ensure_started(self) -> None:
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                ready = threading.Event()
                self.thread = threading.Thread(target=self._main, args=(ready,), name="suggest-worker", daemon=True)
                self.thread.start()
                ready.wait(10)

    def _main(self, ready: threading.Event) -> None:
        async def main() -> None:
            self.loop, self.stop = asyncio.get_running_loop(), asyncio.Event()
            ready.set()
            await work(self.url, self.db, self.stop, self.heartbeat, self.stalled, name="web")

        try:
            asyncio.run(main())
        except Exception:  # the database went away: the next request starts the thread again
            log.exception("suggest worker stopped")
        finally:
            ready.set()

    def close(self, timeout: float = 10.0) -> None:
        if self.loop is not None and self.stop is not None and not self.loop.is_closed():
            try:
                self.loop.call_soon_threadsafe(self.stop.set)
            except RuntimeError:  # its loop already ended
                pass
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
