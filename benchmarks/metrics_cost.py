"""What ``/metrics`` costs a request (issue 26): the same routes served with and without metrics, same run.

    .venv/bin/python benchmarks/metrics_cost.py [--seconds 8] [--rounds 3] [--connections 8]

A scratch database ``geo_bench_metrics`` on the local cluster (migrated, the synthetic demo loaded once) is
served by two gunicorn instances as ``serve --prod`` runs them (1 worker, 4 threads each, on 127.0.0.1): one
with ``GEO_METRICS=0`` (no exporter, no per-request counting), one with metrics in multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, the production shape: each observation written to a memory-mapped file) and a
scraper thread reading ``/metrics`` every second, as Prometheus would (every 15 s in practice: harsher here).
wrk measures each route on each instance in turn, ``--rounds`` times alternating, so drift in the machine's
load hits both. Reported: requests/s and p50/p99 per route and instance, and the ratio metrics/baseline.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load import run_wrk  # noqa: E402
from geo_service.cli.context import settings  # noqa: E402
from geo_service.cli.serve_commands import gunicorn_command  # noqa: E402
from geo_service.db.admin import create_database_if_missing, with_database  # noqa: E402
from geo_service.db.migrate import migrate  # noqa: E402

BENCH_DB = "geo_bench_metrics"
ROUTES = {
    "healthz": "/healthz",  # the cheapest route: the largest relative cost
    "map": "/maps/demo-as-registered",
    "layer": "/api/v1/maps/demo-as-registered/areas/ZA4/layers/networks.geojson",
}


def database() -> str:
    from geo_service.db.pool import Database
    from geo_service.demo.load import load_demo

    maintenance = with_database(settings().database_url, "postgres")
    create_database_if_missing(maintenance, BENCH_DB)
    url = with_database(maintenance, BENCH_DB)
    migrate(url)
    db = Database(url, statement_timeout_ms=0)
    load_demo(db, only_if_empty=True)
    db.close()
    return url


def start(url: str, metrics: bool, log: Path) -> tuple[subprocess.Popen, str]:
    from tests.conftest import free_port

    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "GEO_TILES_URL": "none", "GEO_METRICS": "1" if metrics else "0"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if metrics:
        env["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="geo-bench-metrics-")
    with open(log, "wb") as out:
        proc = subprocess.Popen(gunicorn_command("127.0.0.1", port, 1, 4), env=env, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=2).read()
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise SystemExit(f"gunicorn did not start: {log.read_text()}")


def scrape(base: str, stop: threading.Event, counts: list[int]) -> None:
    while not stop.wait(1.0):
        urllib.request.urlopen(base + "/metrics", timeout=10).read()
        counts[0] += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    url = database()
    logs = Path(tempfile.mkdtemp(prefix="geo-bench-metrics-logs-"))
    base_proc, base_url = start(url, False, logs / "baseline.log")
    met_proc, met_url = start(url, True, logs / "metrics.log")
    stop, scrapes = threading.Event(), [0]
    scraper = threading.Thread(target=scrape, args=(met_url, stop, scrapes), daemon=True)
    scraper.start()
    results: dict[tuple[str, str], list[dict]] = {}
    try:
        for path in ROUTES.values():  # warm both
            for base in (base_url, met_url):
                for _ in range(20):
                    urllib.request.urlopen(base + path, timeout=30).read()
        for _ in range(args.rounds):
            for name, path in ROUTES.items():
                for label, base in (("baseline", base_url), ("metrics", met_url)):
                    r = run_wrk(base, [(path, {})], args.seconds, args.connections, 2)
                    if r["socket_errors"] or r["non_2xx"]:
                        raise SystemExit(f"errors on {label} {path}: {r}")
                    results.setdefault((name, label), []).append(r)
    finally:
        stop.set()
        for proc in (base_proc, met_proc):
            proc.terminate()
            proc.wait(timeout=10)
    print(f"{args.rounds} rounds x {args.seconds} s per route and instance, {args.connections} connections, "
          f"1 worker x 4 threads each; {scrapes[0]} scrapes of /metrics during the run")  # fmt: skip
    print(f"{'route':8} {'instance':9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name in ROUTES:
        med = {}
        for label in ("baseline", "metrics"):
            runs = results[(name, label)]
            rps = sorted(r["rps"] for r in runs)[len(runs) // 2]
            p50 = sorted(r["p50"] for r in runs)[len(runs) // 2]
            p99 = sorted(r["p99"] for r in runs)[len(runs) // 2]
            med[label] = (rps, p50, p99)
            print(f"{name:8} {label:9} {rps:8.1f} {p50:8.2f} {p99:8.2f}")
        b, m = med["baseline"], med["metrics"]
        print(f"{name:8} {'ratio':9} {m[0] / b[0]:8.3f} {m[1] / b[1]:8.3f} {m[2] / b[2]:8.3f}   (metrics / baseline)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
