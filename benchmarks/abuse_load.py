"""The abuse run of ``benchmarks/load.py --only abuse`` (issue 21): the attackers, nginx in front, a shared
throttling store, and the normal readers at a fixed rate.

Why a fixed rate for the readers: wrk keeps ``--connections`` requests in flight at all times (a closed loop),
so 32 connections on 2 CPUs is a saturation test: the CPUs are always busy, every request queues behind the
other 31, and its latency measures the queue, not what one person waits. The issue's "normal readers" are people
opening map pages, layers and checks; :class:`FixedRateReaders` sends them at ``--reader-rate`` requests a second
whatever the answers' speed (an open loop, like wrk2), and each latency is counted from the moment its request was
due, so a stalled server cannot hide its stall by slowing the senders down (no "coordinated omission").
``--reader-rate 0`` measures the readers with wrk's closed loop instead (the saturation figure).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "epcn-december-2019"


class SharedStore:
    """redis-server on a free local port (Debian's ``redis-server``), the throttling store every gunicorn worker
    shares as in the production shape (docker-compose.yml; ``serve --prod`` refuses several workers without one).
    Without it each worker would count sign-ins on its own and the flood would get twice its allowance."""

    def __init__(self) -> None:
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(server):
            raise SystemExit("redis-server is needed: bash scripts/bootstrap.sh system --test (Debian redis-server)")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.tmp = tempfile.mkdtemp(prefix="geo-bench-redis-")
        args = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", self.tmp]  # fmt: skip
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = f"redis://127.0.0.1:{port}/0"
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise SystemExit("redis-server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=20)
        shutil.rmtree(self.tmp, ignore_errors=True)


TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(parent pid, own CPU s, reaped children's CPU s) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2 :].split()
    ppid = int(fields[1])
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return ppid, (utime + stime) / TICK, (cutime + cstime) / TICK


def tree_cpu(root: int) -> float:
    """CPU seconds of ``root``'s live descendants plus the reaped children's (the root's own excluded)."""
    parents: dict[int, int] = {}
    own: dict[int, float] = {}
    reaped: dict[int, float] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            s = _stat(int(entry.name))
            if s is not None:
                parents[int(entry.name)], own[int(entry.name)], reaped[int(entry.name)] = s
    below = {root}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in below and pid not in below:
                below.add(pid)
                changed = True
    return reaped.get(root, 0.0) + sum(own[p] + reaped[p] for p in below if p != root)


def postmaster_pid(url: str) -> int:
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SHOW data_directory")
            folder = Path(cur.fetchone()[0])
    finally:
        conn.close()
    return int((folder / "postmaster.pid").read_text().split()[0])


def server_cpu(pids: list[int]) -> float:
    """CPU seconds used so far by the server side: every process below each of ``pids`` (gunicorn's master, the
    PostgreSQL postmaster, nginx's master)."""
    return sum(tree_cpu(pid) for pid in pids)


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def fixed_rate(base: str, requests: list[tuple[str, dict[str, str]]], seconds: int, rate: float) -> dict:
    """Send ``requests`` in turn at ``rate`` a second for ``seconds`` (open loop); the same figures as
    ``load.run_wrk``. A request's latency runs from when it was due to its last byte; an answer other than 2xx, a
    socket error or no answer within 30 s is an error."""
    where = urlsplit(base)
    local = threading.local()
    latencies: list[float] = []
    errors: Counter = Counter()
    lock = threading.Lock()

    def send(path: str, headers: dict[str, str], due: float) -> None:
        for attempt in (1, 2):  # a kept-alive connection the server closed meanwhile: once more on a new one
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = http.client.HTTPConnection(where.hostname, where.port or 80, timeout=30)
            try:
                conn.request("GET", path, headers={"Accept-Encoding": "gzip", **headers})
                resp = conn.getresponse()
                resp.read()
                status = resp.status
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as err:
                conn.close()
                local.conn = None
                if attempt == 2:
                    status = type(err).__name__
            except OSError as err:
                conn.close()
                local.conn = None
                status = type(err).__name__
                break
        took = (time.perf_counter() - due) * 1000
        with lock:
            latencies.append(took)
            if not (isinstance(status, int) and 200 <= status < 300):
                errors[status] += 1

    total = int(seconds * rate)
    with ThreadPoolExecutor(max_workers=64, thread_name_prefix="reader") as pool:
        start = time.perf_counter() + 0.05
        for k in range(total):
            due = start + k / rate
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)  # the schedule: due times, not a wait on the server
            path, headers = requests[k % len(requests)]
            pool.submit(send, path, headers, due)
    elapsed = time.perf_counter() - start
    socket_errors = sum(n for k, n in errors.items() if not isinstance(k, int))
    return {
        "rps": len(latencies) / elapsed,
        "p50": _percentile(latencies, 50),
        "p99": _percentile(latencies, 99),
        "requests": len(latencies),
        "socket_errors": socket_errors,
        "non_2xx": sum(errors.values()) - socket_errors,
        "errors": dict(errors),
    }


class Abuse:
    """Attackers beside the measured readers: sign-in flood, prints, slow clients. Counts their answers."""

    def __init__(self, base: str, codes: list[str], flooders: int, printers: int, slow_clients: int) -> None:

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
                    copy = "accepted" if resp.status == 202 else resp.headers.get("X-Print-Copy", "made")
                    self._count("print", f"{resp.status} {copy}")
            except urllib.error.HTTPError as err:
                self._count("print", err.code)
            except OSError as err:
                self._count("print", type(err).__name__)

    def _slow(self) -> None:

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
