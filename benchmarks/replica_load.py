"""Read throughput with a streaming replica (issue 26), run by ``benchmarks/load.py --replica``.

    .venv/bin/python benchmarks/load.py --replica [--duration 15] [--connections 16] [--workers 2] [--threads 4]
                                                  [--rounds 2]

A throw-away primary (a project-local cluster on a free port, the synthetic demo loaded) and its hot standby made
by ``pg_basebackup -R`` (:class:`geo_service.devtools.standby.StandbyCluster`), both started and removed by the script.
Three shapes, served as ``serve --prod`` serves (gunicorn gthread, ``--workers`` x ``--threads`` each), measured
in turn ``--rounds`` times so drift in the machine's load hits each alike:

* ``one-primary``      one instance reading from the primary alone (the baseline);
* ``two-primary``      two instances, both on the primary (more app processes, one database);
* ``two-replica``      two instances, the second reading from the standby (``GEO_READ_DATABASE_URL``): the shape
  the issue asks about.

wrk (Debian ``wrk``) drives each instance with its share of ``--connections`` at once (as a round-robin proxy
would) and the requests/s are summed. Two mixes: ``cached`` (map page, area layer, checks: served from the
per-version caches, one version query per request) and ``database`` (the checks recomputed on every request,
``Cache-Control: no-cache``: the database does the work). Prints req/s and p99 per shape and the ratios against
``one-primary``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from benchmarks.load import run_wrk
from geo_service.cli.serve_commands import gunicorn_command

SCENARIO = "demo-as-registered"
NO_CACHE = {"Cache-Control": "no-cache"}


def mixes(area: str) -> dict[str, list[tuple[str, dict[str, str]]]]:
    return {
        "cached": [
            (f"/maps/{SCENARIO}/areas/{area}", {}),
            (f"/api/v1/maps/{SCENARIO}/areas/{area}/layers/networks.geojson", {}),
            (f"/api/v1/scenarios/{SCENARIO}/checks", {}),
        ],
        "database": [(f"/api/v1/scenarios/{SCENARIO}/checks", NO_CACHE)],
    }


def _one(url: str, sql: str, params: dict | None = None):
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchone()[0]
    finally:
        conn.close()


def clusters(tmp: Path, stack: list) -> None:
    """Start a primary (the demo loaded) and a hot standby of it, replayed; appended to ``stack`` as started, so
    the caller removes whatever was started even when a later step fails."""
    import psycopg2

    from geo_service.db.migrate import migrate
    from geo_service.db.pool import Database
    from geo_service.demo.load import load_demo
    from geo_service.devtools.cluster import LocalCluster
    from geo_service.devtools.standby import StandbyCluster
    from tests.conftest import free_port

    tmp.mkdir(parents=True, exist_ok=True)
    primary = LocalCluster(tmp, port=free_port())
    stack.append(primary)
    primary.start()
    url = primary.database_url()
    migrate(url)
    db = Database(url, statement_timeout_ms=0)
    load_demo(db)
    db.close()
    standby = StandbyCluster(primary, free_port())
    stack.append(standby)
    standby.create()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        target = _one(url, "SELECT pg_current_wal_lsn()::text")
        try:
            if _one(standby.database_url(), "SELECT pg_last_wal_replay_lsn() >= %(t)s::pg_lsn", {"t": target}):
                return
        except psycopg2.OperationalError:
            pass
        time.sleep(0.1)
    raise SystemExit("the standby did not catch up")


class Instance:
    def __init__(self, url: str, read_url: str | None, workers: int, threads: int, log: Path) -> None:
        from tests.conftest import free_port

        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "GEO_TILES_URL": "none", "GEO_METRICS": "0"}
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        env.pop("GEO_READ_DATABASE_URL", None)
        if read_url:
            env["GEO_READ_DATABASE_URL"] = read_url
        self.out = open(log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(gunicorn_command("127.0.0.1", port, workers, threads), env=env,
                                     stdout=self.out, stderr=self.out)  # fmt: skip
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2).read()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit(f"gunicorn did not start: {log.read_text()}")

    def read_from(self, path: str) -> str:
        with urllib.request.urlopen(self.base + path, timeout=30) as resp:
            return resp.headers.get("X-Geo-Read-From", "primary (no replicas configured)")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.out.close()


def measure(instances: list[Instance], requests, seconds: int, connections: int) -> dict[str, float]:
    """wrk against every instance at once, ``connections`` shared between them; req/s summed, p99 the worst."""
    results: list[dict] = [{} for _ in instances]
    share = max(1, connections // len(instances))

    def drive(i: int) -> None:
        results[i] = run_wrk(instances[i].base, requests, seconds, share, 1)

    for inst in instances:  # warm-up
        run_wrk(inst.base, requests, 2, share, 1)
    threads = [threading.Thread(target=drive, args=(i,)) for i in range(len(instances))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    errors = sum(r["socket_errors"] + r["non_2xx"] for r in results)
    return {"rps": sum(r["rps"] for r in results), "p99": max(r["p99"] for r in results), "errors": errors}


def run(args) -> int:
    tmp = Path(tempfile.mkdtemp(prefix="geo-bench-replica-"))
    stack: list = []
    try:
        clusters(tmp / "primary", stack)
        primary, standby = stack
        url, read_url = primary.database_url(), standby.database_url()
        area = _one(url, "SELECT ods_code FROM areas WHERE ods_code IS NOT NULL ORDER BY ods_code LIMIT 1")
        shapes = {
            "one-primary": [(url, None)],
            "two-primary": [(url, None), (url, None)],
            "two-replica": [(url, None), (url, read_url)],
        }
        figures: dict[tuple[str, str], list[dict]] = {}
        for round_no in range(args.rounds):
            for shape, plan in shapes.items():
                instances = [
                    Instance(u, r, args.workers, args.threads, tmp / f"{shape}-{i}.log")
                    for i, (u, r) in enumerate(plan)
                ]
                try:
                    if round_no == 0:
                        sources = [inst.read_from(f"/api/v1/scenarios/{SCENARIO}/checks") for inst in instances]
                        print(f"{shape}: reads answered by {', '.join(sources)}")
                    for mix, requests in mixes(area).items():
                        figures.setdefault((shape, mix), []).append(
                            measure(instances, requests, args.duration, args.connections)
                        )
                finally:
                    for inst in instances:
                        inst.stop()
        print(f"\n{args.rounds} round(s) x {args.duration} s, {args.connections} connections, "
              f"{args.workers} workers x {args.threads} threads per instance, medians:")  # fmt: skip
        print(f"{'mix':<10}{'shape':<14}{'req/s':>9}{'p99 ms':>9}{'errors':>8}{'ratio':>8}")
        failed = 0
        for mix in mixes(area):
            base = statistics.median(f["rps"] for f in figures[("one-primary", mix)])
            for shape in shapes:
                runs = figures[(shape, mix)]
                rps = statistics.median(f["rps"] for f in runs)
                p99 = statistics.median(f["p99"] for f in runs)
                errors = sum(f["errors"] for f in runs)
                failed += errors
                print(f"{mix:<10}{shape:<14}{rps:>9.1f}{p99:>9.1f}{errors:>8}{rps / base:>8.2f}")
        return 1 if failed else 0
    finally:
        for cluster in reversed(stack):
            cluster.destroy()
        shutil.rmtree(tmp, ignore_errors=True)
