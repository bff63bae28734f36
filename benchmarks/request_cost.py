"""CPU per request of the readers' and the attackers' requests of the abuse run (issue 21), on ``serve --prod``.

    .venv/bin/python benchmarks/request_cost.py [--requests 40] [--database-url URL]

Wall-clock latency on a shared machine says little (other sessions take the CPUs); CPU time does not depend on
them. Each kind of request is sent ``--requests`` times, one at a time, to gunicorn (2 workers × 4 threads, the
England 2019/20 bundle of ``benchmarks/load.py``), and the CPU used meanwhile is read from ``/proc``: the gunicorn
workers and everything they started (``utime+stime``, children included once reaped), and the PostgreSQL
server's processes (every backend, by the cluster's postmaster). Prints the CPU milliseconds per request of each
kind, and what that means for a 2-CPU machine: the requests per second its CPUs could serve, and the share of
them the abuse run's readers (``--reader-rate``) and attackers take.

Kinds: ``map`` (an area's HTML map page), ``layer`` (its networks GeoJSON), ``checks`` (the England checks JSON),
``sign-in page`` (GET /sign-in), ``sign-in counted`` (a wrong password inside the per-account allowance: one
argon2id verify), ``sign-in refused`` (past it: the throttle's 429, before any hashing), ``print, slots busy`` (a
different A3 300 dpi print each time while every print slot is held: 202 for the few that may wait in the
background, 503 for the rest), ``print made whole`` (one print, asked for until it is there: the making in its
niced child included) and ``print kept copy`` (the same print again). The throttling store is a local redis,
shared by the workers as in production.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.abuse_load import SharedStore, postmaster_pid, tree_cpu  # noqa: E402
from benchmarks.load import AREA, LAYER, SCENARIO, Server, area_codes, database  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--root", default=str(ROOT.parent / "shared" / "data" / "real"))
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--reader-rate", type=float, default=8.0, help="the abuse run's readers, requests/s")
    args = parser.parse_args()
    url = database(args)
    codes = area_codes(url)
    store = SharedStore()
    server = Server(url, 2, 4, store=store.url)
    postmaster = postmaster_pid(url)
    s = SCENARIO
    results: dict[str, float] = {}

    def cost(name: str, send, n: int = args.requests, warm: bool = True) -> None:
        if warm:
            send()  # warm (caches, imports)
        before = (tree_cpu(server.proc.pid), tree_cpu(postmaster), time.perf_counter())
        statuses: dict[object, int] = {}
        for _ in range(n):
            status = send()
            statuses[status] = statuses.get(status, 0) + 1
        app_s = tree_cpu(server.proc.pid) - before[0]
        db_s = tree_cpu(postmaster) - before[1]
        wall = time.perf_counter() - before[2]
        results[name] = (app_s + db_s) * 1000 / n
        print(
            f"{name:17s} app {app_s * 1000 / n:7.1f} ms  db {db_s * 1000 / n:6.1f} ms  "
            f"total {results[name]:7.1f} ms CPU/request  (wall {wall * 1000 / n:7.1f} ms)  answers {statuses}",
            flush=True,
        )

    def get(path: str, headers: dict[str, str] | None = None):
        def send():
            req = urllib.request.Request(server.base + path, headers={"Accept-Encoding": "gzip", **(headers or {})})
            try:
                with urllib.request.urlopen(req, timeout=120) as resp:
                    resp.read()
                    return resp.status
            except urllib.error.HTTPError as err:
                err.read()
                return err.code

        return send

    def sign_in(username: str):
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(server.base + "/sign-in", timeout=30).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"username": username, "password": "guess", "csrf_token": token}).encode()

        def send():
            try:
                opener.open(server.base + "/sign-in", data=form, timeout=30).read()
                return 200
            except urllib.error.HTTPError as err:
                err.read()
                return err.code

        return send

    try:
        cost("map", get(f"/maps/{s}/areas/{AREA}"))
        cost("layer", get(f"/api/v1/maps/{s}/areas/{AREA}/layers/{LAYER}.geojson"))
        cost("checks", get(f"/api/v1/scenarios/{s}/checks"))
        cost("sign-in page", get("/sign-in"))
        # "nobody" has no account: each wrong guess still runs one argon2id verify (against a dummy hash, so a
        # guesser cannot tell which names exist); after 10 the per-account allowance answers 429 before any hash.
        counted = sign_in("nobody-a")
        cost("sign-in counted", counted, n=8)  # the warm-up and these 8: 9 of the 10 allowed failures
        refused = sign_in("nobody-a")
        for _ in range(3):
            refused()  # the 10th failure, then the first refusals
        cost("sign-in refused", refused)
        # Prints: every host-wide slot held by this process (so each request is refused or accepted at once).
        from geo_service.exports.print_queue import PrintQueue

        queue = PrintQueue(slots=1, waiting=0, shared_key=url, total_slots=1)
        others = iter(codes[2:])

        def another_print():  # a different print each time (a repeat joins the making, or reads the kept copy)
            return get(f"/api/v1/scenarios/{s}/areas/{next(others)}/print.png?dpi=300&paper=a3")()

        with queue.slot():  # each worker: 1 making waiting for the slot, 1 more queued, the rest 503 at once
            cost("print, slots busy", another_print)
        print_url = f"/api/v1/scenarios/{s}/areas/{codes[1]}/print.png?dpi=300&paper=a3"

        def whole_print():  # ask, then come back until the file is there: the making's CPU included
            deadline = time.monotonic() + 600
            while (status := get(print_url)()) in (202, 429, 503) and time.monotonic() < deadline:
                time.sleep(3)  # Retry-After says 2 (202) or 10 (503); the earlier makings finish meanwhile
            return status

        cost("print made whole", whole_print, n=1, warm=False)
        cost("print kept copy", get(print_url), n=10)
    finally:
        server.stop()
        store.stop()
    cpus = os.cpu_count() or 2
    readers = (results["map"] + results["layer"] + results["checks"]) / 3
    print(
        f"\nreaders' mix (map, layer, checks in turn): {readers:.1f} ms CPU a request; {cpus} CPUs serve at most "
        f"{cpus * 1000 / readers:.0f} of them a second; {args.reader_rate:g} readers' requests/s take "
        f"{args.reader_rate * readers / 10 / cpus:.0f}% of the machine"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
