"""Embed requests/s under gunicorn against static file servers serving the same bytes, in one run.

    .venv/bin/python benchmarks/embed_throughput.py [--workers 2] [--seconds 10] [--connections 16]

Loads the synthetic demo into a scratch database (on DATABASE_URL's server or the local cluster), serves the app
with gunicorn, takes one area embed (gzip, as browsers ask for it), and measures with wrk (Debian package `wrk`):

1. our embed route (`/embed/<scenario>/areas/<code>`), pinned (`?version=N`, as the snippet and oEmbed give it:
   served from memory) and live (one data-version query per request, then the kept rendering);
2. the same bytes from a file by Python's `http.server` (ThreadingHTTPServer), a common static server;
3. the same bytes from memory by a trivial WSGI app under the same gunicorn set-up (the strictest baseline).

Prints requests/s for each and our share of each baseline. Issue target: >= 50% of the static server.
All servers listen on 127.0.0.1 only and are stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo_service.cli.context import settings  # noqa: E402
from geo_service.db.admin import create_database_if_missing, drop_database, with_database  # noqa: E402
from geo_service.db.migrate import migrate  # noqa: E402
from geo_service.db.pool import Database  # noqa: E402
from geo_service.demo.load import load_demo  # noqa: E402
from tests.conftest import free_port  # noqa: E402

EMBED = "/embed/demo-as-registered/areas/ZA2"
BIN = ROOT / ".venv" / "bin"


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer")


def wrk(url: str, seconds: int, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-H", "Accept-Encoding: gzip", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise SystemExit(f"{url}: {non2xx.group(1)} failed responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def start(args: list[str], env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        args,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    opts = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    maintenance = with_database(settings().database_url, "postgres")
    name = "geo_bench_embed"
    drop_database(maintenance, name)
    create_database_if_missing(maintenance, name)
    url = with_database(maintenance, name)
    migrate(url)
    db = Database(url)
    load_demo(db)
    db.close()

    procs: list[subprocess.Popen] = []
    try:
        app_port = free_port()
        gunicorn = [
            str(BIN / "gunicorn"),
            "-w",
            str(opts.workers),
            "-b",
            f"127.0.0.1:{app_port}",
            "--log-level",
            "warning",
        ]
        procs.append(start([*gunicorn, "geo_service.wsgi:app"], {"DATABASE_URL": url, "GEO_TILES_URL": "none"}))
        app_url = f"http://127.0.0.1:{app_port}{EMBED}"
        wait_for(f"http://127.0.0.1:{app_port}/healthz")
        req = urllib.request.Request(app_url, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(req) as resp:
            body = resp.read()
            assert resp.headers["Content-Encoding"] == "gzip"
        tmp = Path(tempfile.mkdtemp(prefix="geo-embed-bench-"))
        (tmp / "embed.html").write_bytes(body)

        static_port = free_port()
        procs.append(
            start(
                [sys.executable, "-m", "http.server", str(static_port), "--bind", "127.0.0.1", "--directory", str(tmp)]
            )
        )
        static_url = f"http://127.0.0.1:{static_port}/embed.html"
        wait_for(static_url)

        wsgi_port = free_port()
        gunicorn_static = [*gunicorn[:-4], "-b", f"127.0.0.1:{wsgi_port}", "--log-level", "warning"]
        procs.append(
            start(
                [*gunicorn_static, "--chdir", str(ROOT / "benchmarks"), "_static_wsgi:app"],
                {"STATIC_FILE": str(tmp / "embed.html")},
            )
        )
        wsgi_url = f"http://127.0.0.1:{wsgi_port}/embed.html"
        wait_for(wsgi_url)

        snippet = json.load(
            urllib.request.urlopen(f"http://127.0.0.1:{app_port}/oembed?url=http://127.0.0.1:{app_port}{EMBED}")
        )["html"]
        pinned_url = app_url + "?version=" + re.search(r"version=(\d+)", snippet).group(1)
        for u in (app_url, pinned_url, static_url, wsgi_url):  # warm up every worker
            wrk(u, 2, opts.connections)
        ours = wrk(app_url, opts.seconds, opts.connections)
        ours_pinned = wrk(pinned_url, opts.seconds, opts.connections)
        http_server = wrk(static_url, opts.seconds, opts.connections)
        wsgi_static = wrk(wsgi_url, opts.seconds, opts.connections)
    finally:
        for p in procs:
            stop(p)
        drop_database(maintenance, name)

    print(
        f"embed body: {len(body):,} bytes gzip; gunicorn workers: {opts.workers}; "
        f"wrk -t2 -c{opts.connections} -d{opts.seconds}s"
    )
    print(f"  our embed, pinned          {ours_pinned:9.0f} req/s")
    print(f"  our embed, live            {ours:9.0f} req/s")
    for name, base in (("python http.server (file) ", http_server), ("gunicorn static WSGI (mem)", wsgi_static)):
        print(f"  {name} {base:9.0f} req/s   pinned = {ours_pinned / base:6.1%}, live = {ours / base:6.1%} of it")
    print("  target: >= 50% of the static server")


if __name__ == "__main__":
    main()
