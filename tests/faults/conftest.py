"""A throw-away PostGIS cluster of the faults tests' own (never the shared one on 5544): stopped, restarted
and frozen (SIGSTOP) while the app, served by werkzeug in a thread, answers concurrent requests."""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import pytest

from geo_service.db.migrate import migrate
from geo_service.devtools.cluster import LocalCluster
from tests.conftest import LiveServer, free_port, make_app


class FaultCluster:
    def __init__(self, cluster: LocalCluster) -> None:
        self.cluster = cluster
        self.url = cluster.database_url()
        self._frozen: list[int] = []

    def stop(self) -> None:
        assert self.cluster.stop() == "stopped"

    def start(self) -> None:
        self.cluster.start()

    def freeze(self, postmaster_only: bool = False) -> None:
        """SIGSTOP the postmaster (and, unless ``postmaster_only``, every process it started).

        The postmaster first, so it forks nothing new; then its children as listed again, skipping any that
        ended meanwhile (a backend whose client hung up needs no freezing)."""
        pids = self.cluster.server_pids()
        assert pids, "the cluster is not running"
        os.kill(pids[0], signal.SIGSTOP)
        self._frozen = [pids[0]]
        if postmaster_only:
            return
        for pid in self.cluster.server_pids()[1:]:
            try:
                os.kill(pid, signal.SIGSTOP)
            except ProcessLookupError:
                continue
            self._frozen.append(pid)

    def thaw(self) -> None:
        for pid in self._frozen:
            try:
                os.kill(pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        self._frozen = []


@pytest.fixture(scope="session")
def fault_cluster(tmp_path_factory):
    cluster = LocalCluster(tmp_path_factory.mktemp("fault-cluster"), port=free_port())
    try:
        cluster.start()
        migrate(cluster.database_url())
        fc = FaultCluster(cluster)
        yield fc
        fc.thaw()
    finally:
        cluster.destroy()


@pytest.fixture
def fault_server(fault_cluster):
    """The app on the throw-away cluster (pool of 6), served by werkzeug in a thread; the cluster is up again
    (and thawed) after each test."""
    app = make_app(fault_cluster.url, GEO_POOL_MAX=6)
    try:
        with LiveServer(app) as live:
            yield live
    finally:
        fault_cluster.thaw()
        if not fault_cluster.cluster.is_running():
            fault_cluster.start()
        app.extensions["geo_db"].close()


@dataclass
class Answer:
    path: str
    started: float
    seconds: float
    status: int
    content_type: str
    retry_after: str | None


@dataclass
class Traffic:
    """Clients requesting ``paths`` in a loop from ``threads`` threads, every answer recorded."""

    base: str
    paths: tuple[str, ...]
    threads: int = 4
    answers: list[Answer] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _run(self, offset: int) -> None:
        i = offset
        while not self._stop.is_set():
            path = self.paths[i % len(self.paths)]
            i += 1
            self.answers.append(get(self.base, path))
            time.sleep(0.02)

    def __enter__(self) -> Traffic:
        for n in range(self.threads):
            t = threading.Thread(target=self._run, args=(n,), daemon=True)
            t.start()
            self._workers.append(t)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._workers:
            t.join(timeout=15)

    def since(self, moment: float) -> list[Answer]:
        return [a for a in self.answers if a.started >= moment]

    def wait_for_recovery(self, after: float, ok: dict[str, int], streak: int = 8, deadline_s: float = 60.0) -> float:
        """Wait until ``streak`` answers in a row, started after ``after``, all succeeded; their first start.

        Polls the recorded answers (no fixed sleep): a loaded machine may take longer than an idle one, and the
        test then checks that nothing failed again after that moment. Raises ``AssertionError`` when
        ``deadline_s`` passes first (the app never recovered: a hang, not a slow machine).
        """
        give_up = time.monotonic() + deadline_s
        while time.monotonic() < give_up:
            run: list[Answer] = []
            for a in sorted(self.since(after), key=lambda a: a.started):
                run = [*run, a] if a.status == ok[a.path] else []
                if len(run) >= streak:
                    return run[0].started
            time.sleep(0.05)
        seen = [(a.path, a.status) for a in self.since(after)][-12:]
        raise AssertionError(f"no {streak} successes in a row within {deadline_s:.0f} s after the fault; last: {seen}")

    def wait_for_answers(self, after: float, count: int, deadline_s: float = 60.0) -> None:
        """Wait until ``count`` answers started after ``after`` have come back."""
        give_up = time.monotonic() + deadline_s
        while len(self.since(after)) < count:
            assert time.monotonic() < give_up, f"fewer than {count} answers within {deadline_s:.0f} s"
            time.sleep(0.05)


def get(base: str, path: str, timeout: float = 10) -> Answer:
    """GET ``base + path``; status 0 when no HTTP answer came (connection error or timeout)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(base + path, timeout=timeout) as resp:
            resp.read()
            status, headers = resp.status, resp.headers
    except urllib.error.HTTPError as err:
        err.read()
        status, headers = err.code, err.headers
    except OSError as exc:
        return Answer(path, started, time.monotonic() - started, 0, type(exc).__name__, None)
    return Answer(
        path, started, time.monotonic() - started, status, headers.get("Content-Type", ""), headers.get("Retry-After")
    )
