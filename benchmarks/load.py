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
* ``abuse`` (issue 21, run with ``--only abuse``): normal readers (map pages, layers, checks of the areas) measured
  by wrk while, beside them, ``--flooders`` threads guess passwords at ``/sign-in`` as fast as they can,
  ``--printers`` threads ask for A3 300 dpi prints without pause, and ``--slow-clients`` sockets send one header
  line every 5 s (slowloris). The readers must keep p99 < 1 s and 0 errors; the attackers' answers (429, 503)
  are counted and printed, prints by how they were answered (made, kept copy, 503). Point ``--base-url`` at the
  production shape (nginx in front, ``docker compose up``) or pass ``--nginx`` to measure it; without either the
  slow clients reach gunicorn directly, which nginx is there to prevent. Behind ``--nginx`` each kind of client
  names its own address (``X-Bench-Client``, taken as the client address by the benchmark's nginx only), so the
  per-address caps see readers, printers and guessers as the different people they stand for, not one 127.0.0.1.
  Printers ask for a different area each time (a kept copy answers a repeat of the same print).

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

    def __init__(self, url: str, workers: int, threads: int, behind_proxy: bool = False) -> None:
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


class Abuse:
    """Attackers beside the measured readers: sign-in flood, prints, slow clients. Counts their answers."""

    def __init__(self, base: str, codes: list[str], flooders: int, printers: int, slow_clients: int) -> None:
        import threading
        from collections import Counter

        self.base, self.codes = base, codes
        self.stop_event = threading.Event()
        self.answers: Counter = Counter()
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._flood, args=(i,), daemon=True) for i in range(flooders)]
        self.threads += [threading.Thread(target=self._print, args=(i,), daemon=True) for i in range(printers)]
        self.threads += [threading.Thread(target=self._slow, daemon=True) for _ in range(slow_clients)]

    def _count(self, kind: str, status: object) -> None:
        with self.lock:
            self.answers[(kind, status)] += 1

    def _flood(self, number: int) -> None:
        import http.cookiejar
        import urllib.parse

        while not self.stop_event.is_set():
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
            opener.addheaders = [("X-Bench-Client", f"10.0.2.{number + 1}")]
            try:
                page = opener.open(self.base + "/sign-in", timeout=30).read().decode()
                token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
                form = urllib.parse.urlencode({"username": "admin", "password": "guess", "csrf_token": token})
                opener.open(self.base + "/sign-in", data=form.encode(), timeout=30)
                self._count("sign-in", 200)
            except urllib.error.HTTPError as err:
                self._count("sign-in", err.code)
            except OSError as err:
                self._count("sign-in", type(err).__name__)

    def _print(self, number: int) -> None:
        i = number * 7
        while not self.stop_event.is_set():
            code = self.codes[i % len(self.codes)]
            i += 1
            url = f"{self.base}/api/v1/scenarios/{SCENARIO}/areas/{code}/print.png?dpi=300&paper=a3"
            request = urllib.request.Request(url, headers={"X-Bench-Client": f"10.0.1.{number + 1}"})
            try:
                with urllib.request.urlopen(request, timeout=120) as resp:
                    resp.read()
                    self._count("print", f"{resp.status} {resp.headers.get('X-Print-Copy', 'made')}")
            except urllib.error.HTTPError as err:
                self._count("print", err.code)
            except OSError as err:
                self._count("print", type(err).__name__)

    def _slow(self) -> None:
        import socket
        from urllib.parse import urlsplit

        where = urlsplit(self.base)
        while not self.stop_event.is_set():
            try:
                with socket.create_connection((where.hostname, where.port or 80), timeout=10) as sock:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                    while not self.stop_event.wait(5):
                        sock.sendall(b"X-Slow: 1\r\n")
                self._count("slow", "closed")
            except OSError as err:
                self._count("slow", type(err).__name__)
                self.stop_event.wait(1)

    def __enter__(self) -> Abuse:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_event.set()


class Nginx:
    """nginx with the repository's ``deploy/nginx.conf`` (upstream and port changed) in front of ``base``."""

    def __init__(self, base: str) -> None:
        import socket
        from urllib.parse import urlsplit

        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.tmp = tempfile.mkdtemp(prefix="geo-bench-nginx-")
        site = (ROOT / "deploy" / "nginx.conf").read_text()
        # Every benchmark client is 127.0.0.1: here (only) each names the address it stands for.
        site = "set_real_ip_from 127.0.0.1;\nreal_ip_header X-Bench-Client;\n" + site
        site = site.replace("server app:5000;", f"server 127.0.0.1:{urlsplit(base).port};")
        site = site.replace("listen 8080;", f"listen 127.0.0.1:{port};")
        Path(self.tmp, "site.conf").write_text(site)
        Path(self.tmp, "nginx.conf").write_text(
            f"pid {self.tmp}/nginx.pid;\nerror_log {self.tmp}/error.log;\nworker_processes 1;\nevents {{}}\n"
            f"http {{ access_log off; client_body_temp_path {self.tmp}; proxy_temp_path {self.tmp}; "
            f"include {self.tmp}/site.conf; }}\n"
        )
        self.proc = subprocess.Popen([nginx, "-p", self.tmp, "-c", f"{self.tmp}/nginx.conf", "-g", "daemon off;"])
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("nginx did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)
        shutil.rmtree(self.tmp, ignore_errors=True)


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
    plan["abuse"] = [(path, {**headers, "X-Bench-Client": "10.0.0.1"}) for path, headers in readers]
    if args.only:
        plan = {k: v for k, v in plan.items() if k in args.only.split(",")}
    else:
        plan.pop("abuse")
    server = Server(url, args.workers, args.threads, behind_proxy=args.nginx)
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
                # The baseline, measured in the same run: the same readers with no attacker beside them.
                quiet = run_wrk(base, reqs, args.duration, args.connections, args.wrk_threads)
                print(
                    f"{'readers alone':17s} {quiet['rps']:9.1f} req/s  p50 {quiet['p50']:8.1f} ms  "
                    f"p99 {quiet['p99']:8.1f} ms  requests {quiet['requests']:7d}  errors: socket "
                    f"{quiet['socket_errors']} non-2xx {quiet['non_2xx']}",
                    flush=True,
                )
                with Abuse(base, codes, args.flooders, args.printers, args.slow_clients) as abuse:
                    time.sleep(3)  # let the attackers reach full strength
                    results[name] = run_wrk(base, reqs, args.duration, args.connections, args.wrk_threads)
                print("abuse answers:", dict(sorted(abuse.answers.items(), key=str)), flush=True)
                prints = {str(status): n for (kind, status), n in abuse.answers.items() if kind == "print"}
                print(f"abuse: prints answered {sum(prints.values())}: {prints}", flush=True)
                r = results[name]
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
    print(
        f"\nwrk -t{args.wrk_threads} -c{args.connections} -d{args.duration}s, gunicorn {args.workers} workers × "
        f"{args.threads} threads (gthread), {len(codes)} areas in the uncached mix, {os.cpu_count()} CPUs"
    )
    errors = sum(r["socket_errors"] + r["non_2xx"] for r in results.values())
    print(f"errors in total: {errors}" + ("" if errors == 0 else "  (0 required)"))
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
