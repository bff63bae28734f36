"""Load test: wrk against gunicorn serving the England 2019/20 bundle, on the routes people use most.

    .venv/bin/python benchmarks/load.py [--duration 60] [--connections 32] [--workers 2] [--threads 4]
                                        [--database-url URL] [--root ../shared/data/real] [--only map,checks]

Without ``--database-url`` a scratch database ``geo_bench_load_england`` is made on the local cluster (once,
re-used by later runs: migrated, the 2019/20 bundle imported). The app runs as ``geo-service serve --prod``
runs it (gunicorn, gthread workers) on 127.0.0.1 on a free port, and is stopped at the end. Each scenario is
warmed for 2 s, then measured by wrk (Debian package ``wrk``) for ``--duration`` seconds with
``--connections`` connections, gzip accepted as browsers do:

* ``map``      the HTML map page of one area;
* ``layer``    one area's network layer (GeoJSON);
* ``checks``   the England checks (JSON, served from the checks cache);
* ``embed``    one area's embed (live: one data-version query, then the kept rendering);
* ``uncached`` a mix over every area of the boundary set: checks recomputed (``Cache-Control: no-cache``),
  map pages, layers and embeds of each area in turn (so the caches are cold for the first round);
* ``england-uncached`` the England checks recomputed on every request.
* ``abuse`` (issue 21, run with ``--only abuse``): normal readers (map pages, layers, checks of the areas, 16
  addresses in turn) beside ``--flooders`` threads guessing passwords at ``/sign-in`` as fast as they can,
  ``--printers`` threads asking for A3 300 dpi prints (a different area each time: a repeat would be the kept copy)
  without pause, and ``--slow-clients`` sockets sending one header line every 5 s (slowloris). The readers must keep
  p99 < 1 s and 0 errors. **The readers are sent at a fixed rate** (``--reader-rate``, default 10 requests a second,
  open loop, each latency counted from when its request was due: :mod:`benchmarks.abuse_load`), because that is
  what "normal readers" are: people opening pages, whose number does not grow when the server slows. wrk's closed
  loop with 32 connections on 2 CPUs (the shape before) keeps the CPUs saturated by the readers alone, so its
  latency measures the readers' own queue, not the attackers' effect; ``--reader-rate 0`` still runs it that way.
  10 a second is 600 page, layer or checks requests a minute, about a fifth of what 2 CPUs can serve
  (``benchmarks/request_cost.py``: ~25 ms of CPU a reader request). The readers alone are measured first in the
  same run (the baseline), then beside the attackers; the run prints both, their ratio, the attackers' answers
  (429, 503, 202 for prints being made), the CPU the server side used in each phase (gunicorn and its print
  children, PostgreSQL, nginx: CPU-seconds a second, which other sessions on the machine do not inflate) and the
  benchmark's own CPU (its attacker threads share the server's CPUs). Point ``--base-url`` at the production shape
  (nginx in front, ``docker compose up``) or pass ``--nginx`` to measure it; without either the slow clients reach
  gunicorn directly, which nginx is there to prevent. Behind ``--nginx`` each kind of client names its own address
  (``X-Bench-Client``, taken as the client address by the benchmark's nginx only), so the per-address caps see
  readers, printers and guessers as the different people they stand for, not one 127.0.0.1. With several workers
  the throttling store is a local redis (Debian ``redis-server``), shared by the workers as in production.

* ``--replica`` (issue 26): read throughput of two instances on a primary and its streaming replica against one
  instance on the primary alone, same run (``benchmarks/replica_load.py``, its own clusters and the demo).

Prints requests/s, p50/p99 latency and the error counts (socket errors and non-2xx) per scenario, and exits
non-zero when any scenario had an error (0 errors required).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.abuse_load import Abuse, Nginx, SharedStore, fixed_rate, postmaster_pid, server_cpu  # noqa: E402
from geo_service.cli.context import settings  # noqa: E402
from geo_service.cli.serve_commands import gunicorn_command  # noqa: E402
from geo_service.db.admin import create_database_if_missing, with_database  # noqa: E402
from geo_service.db.migrate import migrate  # noqa: E402

BENCH_DB = "geo_bench_load_england"
SCENARIO = "epcn-december-2019"
AREA = "09C"
LAYER = "networks"
NO_CACHE = {"Cache-Control": "no-cache"}


def database(args) -> str:
    if args.database_url:
        return args.database_url
    import psycopg2

    maintenance = with_database(settings().database_url, "postgres")
    create_database_if_missing(maintenance, BENCH_DB)
    url = with_database(maintenance, BENCH_DB)
    migrate(url)
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM scenarios WHERE slug = %(s)s", {"s": SCENARIO})
        empty = cur.fetchone()[0] == 0
    conn.close()
    if empty:
        from geo_service.db.pool import Database
        from geo_service.ingest.bundle import import_bundle

        started = time.perf_counter()
        db = Database(url, statement_timeout_ms=0)
        import_bundle(db, ROOT / "data" / "manifests" / "england_2019-20.toml", root=args.root)
        db.close()
        print(f"imported the 2019/20 bundle in {time.perf_counter() - started:.1f} s")
        conn = psycopg2.connect(url)
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("ANALYZE")
        conn.close()
    return url


def area_codes(url: str) -> list[str]:
    """Codes of the areas of the scenario's default boundary set (ODS codes, as the routes take them)."""
    from geo_service.db.pool import Database
    from geo_service.scope import resolve_scope

    db = Database(url)
    try:
        with db.connection() as conn, conn.cursor() as cur:
            bs_id = resolve_scope(conn, SCENARIO).boundary_set["id"]
            cur.execute(
                "SELECT coalesce(ods_code, gss_code) FROM areas WHERE boundary_set_id = %(bs)s ORDER BY 1",
                {"bs": bs_id},
            )
            return [r[0] for r in cur.fetchall()]
    finally:
        db.close()


class Server:
    """``geo-service serve --prod`` (gunicorn, gthread) on a free local port; stopped on exit."""

    def __init__(
        self, url: str, workers: int, threads: int, behind_proxy: bool = False, store: str | None = None
    ) -> None:
        import secrets
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "GEO_TILES_URL": "none",
            "GEO_COOKIE_SECURE": "0",  # plain http on 127.0.0.1
            "GEO_SECRET_KEY": secrets.token_urlsafe(48),  # one key for every worker (sessions, CSRF)
            "GEO_TRUSTED_PROXIES": "1" if behind_proxy else "0",
        }
        if store:  # one throttling store for every worker, as in the production shape
            env["GEO_RATELIMIT_STORAGE"] = store
        args = gunicorn_command("127.0.0.1", self.port, workers, threads)
        args = [a for a in args if a not in ("--access-logfile", "-")] + ["--log-level", "warning"]
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(150):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise SystemExit("the server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # workers still finishing prints: no need to wait for them
            self.proc.kill()
            self.proc.wait(timeout=20)


def lua_script(requests: list[tuple[str, dict[str, str]]]) -> str:
    """A wrk script sending ``requests`` (path, headers) in turn, each thread from its own offset."""
    lines = ["local reqs = {"]
    for path, headers in requests:
        hdrs = ", ".join(f'["{k}"] = "{v}"' for k, v in {"Accept-Encoding": "gzip", **headers}.items())
        lines.append(f'  {{ "{path}", {{ {hdrs} }} }},')
    lines += [
        "}",
        "local i = 0",
        "setup = function(thread) thread:set('offset', math.random(#reqs)) end",
        "init = function(args) i = tonumber(offset) or 0 end",
        "request = function()",
        "  i = i + 1",
        "  local r = reqs[(i % #reqs) + 1]",
        "  return wrk.format('GET', r[1], r[2])",
        "end",
    ]
    return "\n".join(lines) + "\n"


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNITS[unit]


def run_wrk(base: str, requests: list[tuple[str, dict[str, str]]], seconds: int, connections: int, threads: int):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua_script(requests))
        script = f.name
    try:
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency",
             "-s", script, base],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(int(g) for g in sock.groups()) if sock else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "requests": total,
        "socket_errors": socket_errors,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
    }


def scenarios(codes: list[str]) -> dict[str, list[tuple[str, dict[str, str]]]]:
    s = SCENARIO
    mix = []
    for code in codes:
        mix += [
            (f"/api/v1/scenarios/{s}/checks?area={code}", NO_CACHE),
            (f"/maps/{s}/areas/{code}", {}),
            (f"/api/v1/maps/{s}/areas/{code}/layers/{LAYER}.geojson", {}),
            (f"/embed/{s}/areas/{code}", {}),
        ]
    return {
        "map": [(f"/maps/{s}/areas/{AREA}", {})],
        "layer": [(f"/api/v1/maps/{s}/areas/{AREA}/layers/{LAYER}.geojson", {})],
        "checks": [(f"/api/v1/scenarios/{s}/checks", {})],
        "embed": [(f"/embed/{s}/areas/{AREA}", {})],
        "uncached": mix,
        "england-uncached": [(f"/api/v1/scenarios/{s}/checks", NO_CACHE)],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--root", default=str(ROOT.parent / "shared" / "data" / "real"))
    parser.add_argument("--duration", type=int, default=60, help="seconds per scenario (default 60)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker (default 4)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument(
        "--only", help="comma-separated scenarios: map,layer,checks,embed,uncached,england-uncached,abuse"
    )
    parser.add_argument(
        "--reader-rate",
        type=float,
        default=10.0,
        help="abuse: the normal readers' requests a second, sent at that rate (default 10); 0: wrk's closed loop "
        "with --connections (a saturation test)",
    )
    parser.add_argument("--flooders", type=int, default=8, help="abuse: sign-in flood threads")
    parser.add_argument("--printers", type=int, default=16, help="abuse: print threads")
    parser.add_argument("--slow-clients", type=int, default=16, help="abuse: slowloris sockets")
    parser.add_argument("--base-url", help="abuse: measure this server (e.g. nginx of the compose stack)")
    parser.add_argument("--nginx", action="store_true", help="abuse: put deploy/nginx.conf (local nginx) in front")
    parser.add_argument(
        "--replica", action="store_true", help="issue 26: two instances on primary + streaming replica vs one"
    )
    parser.add_argument("--rounds", type=int, default=2, help="replica: rounds of every shape (default 2)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk (scripts/bootstrap.sh system --test installs it)")
    if args.replica:  # benchmarks/replica_load.py: its own primary and standby, the synthetic demo
        from benchmarks.replica_load import run

        return run(args)

    url = database(args)
    codes = area_codes(url)
    plan = scenarios(codes)
    readers = plan["map"] + plan["layer"] + plan["checks"]
    # The readers stand for people (16 addresses in turn), not one client holding 32+ connections.
    plan["abuse"] = [
        (path, {**headers, "X-Bench-Client": f"10.0.0.{i % 16 + 1}"}) for i, (path, headers) in enumerate(readers * 16)
    ]
    if args.only:
        plan = {k: v for k, v in plan.items() if k in args.only.split(",")}
    else:
        plan.pop("abuse")
    store = SharedStore() if "abuse" in plan and args.workers > 1 else None
    server = Server(url, args.workers, args.threads, behind_proxy=args.nginx, store=store and store.url)
    proxy = Nginx(server.base) if args.nginx else None
    if proxy is not None and not args.base_url:
        args.base_url = proxy.base
    results = {}
    try:
        for path, headers in (r for reqs in plan.values() for r in reqs[:3]):  # every route answers first
            request = urllib.request.Request(server.base + path, headers=headers)
            with urllib.request.urlopen(request, timeout=60) as resp:
                assert resp.status == 200, (path, resp.status)
        for name, reqs in plan.items():
            base = args.base_url or server.base if name == "abuse" else server.base
            run_wrk(base, reqs, 2, args.connections, args.wrk_threads)  # warm
            if name == "abuse":
                sides = [server.proc.pid, postmaster_pid(url)] + ([proxy.proc.pid] if proxy is not None else [])

                def readers(reqs=reqs, base=base, sides=sides):
                    """The readers' figures, and the server side's CPU meanwhile (CPU-seconds a second)."""
                    cpu, began = server_cpu(sides), time.perf_counter()
                    if args.reader_rate > 0:  # people reading at a steady rate (benchmarks/abuse_load.py)
                        got = fixed_rate(base, reqs, args.duration, args.reader_rate)
                    else:
                        got = run_wrk(base, reqs, args.duration, args.connections, args.wrk_threads)  # saturation
                    got["server_cpus"] = (server_cpu(sides) - cpu) / (time.perf_counter() - began)
                    return got

                # The baseline, measured in the same run: the same readers with no attacker beside them.
                quiet = readers()
                print(
                    f"readers alone: answers not 2xx {quiet.get('errors', {})}; server side (gunicorn, PostgreSQL, "
                    f"nginx) used {quiet['server_cpus']:.2f} of {os.cpu_count()} CPUs",
                    flush=True,
                )
                print(
                    f"{'readers alone':17s} {quiet['rps']:9.1f} req/s  p50 {quiet['p50']:8.1f} ms  "
                    f"p99 {quiet['p99']:8.1f} ms  requests {quiet['requests']:7d}  errors: socket "
                    f"{quiet['socket_errors']} non-2xx {quiet['non_2xx']}",
                    flush=True,
                )
                own_cpu = time.process_time()
                with Abuse(base, codes, args.flooders, args.printers, args.slow_clients) as abuse:
                    time.sleep(3)  # let the attackers reach full strength
                    results[name] = readers()
                own_cpu = time.process_time() - own_cpu
                print(
                    f"abuse: this benchmark's own CPU (attackers' and readers' client threads, on the same "
                    f"{os.cpu_count()} CPUs as the server): {own_cpu:.1f} s in {args.duration + 3} s",
                    flush=True,
                )
                print("abuse answers:", dict(sorted(abuse.answers.items(), key=str)), flush=True)
                prints = {str(status): n for (kind, status), n in abuse.answers.items() if kind == "print"}
                print(f"abuse: prints answered {sum(prints.values())}: {prints}", flush=True)
                r = results[name]
                print(
                    f"abuse: readers' answers not 2xx {r.get('errors', {})}; server side used {r['server_cpus']:.2f} "
                    f"of {os.cpu_count()} CPUs (alone: {quiet['server_cpus']:.2f}); load average "
                    f"{os.getloadavg()[0]:.1f} (other sessions of the machine included)",
                    flush=True,
                )
                print(
                    f"abuse: readers under abuse / alone: p50 {r['p50'] / max(quiet['p50'], 0.001):.2f}x, "
                    f"p99 {r['p99'] / max(quiet['p99'], 0.001):.2f}x, req/s {r['rps'] / max(quiet['rps'], 0.001):.2f}x",
                    flush=True,
                )
                if results[name]["requests"] == 0:
                    print("abuse: the readers got no answer at all")
                    results[name]["socket_errors"] += 1
                if results[name]["p99"] >= 1000:
                    print(f"abuse: readers' p99 {results[name]['p99']:.0f} ms (under 1,000 ms required)")
                    results[name]["socket_errors"] += 1  # counts as a failure below
            else:
                results[name] = run_wrk(base, reqs, args.duration, args.connections, args.wrk_threads)
            r = results[name]
            print(
                f"{name:17s} {r['rps']:9.1f} req/s  p50 {r['p50']:8.1f} ms  p99 {r['p99']:8.1f} ms  "
                f"requests {r['requests']:7d}  errors: socket {r['socket_errors']} non-2xx {r['non_2xx']}",
                flush=True,
            )
    finally:
        if proxy is not None:
            proxy.stop()
        server.stop()
        if store is not None:
            store.stop()
    print(
        f"\nwrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s, gunicorn {args.workers} workers × "
        f"{args.threads} threads (gthread), {len(codes)} areas in the uncached mix, {os.cpu_count()} CPUs"
    )
    errors = sum(r["socket_errors"] + r["non_2xx"] for r in results.values())
    print(f"errors in total: {errors}" + ("" if errors == 0 else "  (0 required)"))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
