# ruff: noqa: F811 - fixtures imported from tests.security.i21_fixtures are parameters here
"""Issue 21: throttling counted per worker process. Flask-Limiter's ``memory://`` store gave each gunicorn worker
its own counters (and the key prefix held the app's ``id()``, different in every worker), so a sign-in guesser got
the allowance once per worker. Now the workers share one store (``GEO_RATELIMIT_STORAGE``; redis in the compose
file) under one key prefix, and ``serve --prod`` refuses several workers without one.

The test runs redis (Debian's redis-server, installed by ``scripts/bootstrap.sh system --test``) and gunicorn with
two workers, floods one account's sign-in from many connections at once until both workers have answered, and
finds the per-account allowance of failures answered 401 in all (not once per worker), the rest 429 with
Retry-After, and the right password refused by every worker until the window passes."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner

from geo_service.cli.serve_commands import gunicorn_command, serve
from geo_service.web.pipeline.throttling import SIGN_IN_FAILURES_PER_ACCOUNT
from tests.conftest import free_port
from tests.gunicorn_server import running_gunicorn
from tests.security.i21_fixtures import PASSWORD, STRONG_KEY, secure_db  # noqa: F401

ALLOWANCE = int(SIGN_IN_FAILURES_PER_ACCOUNT.split()[0])


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not os.path.exists(server):
        pytest.fail("redis-server is missing: run `bash scripts/bootstrap.sh system --test` (Debian redis-server)")
    port = free_port()
    args = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", str(tmp_path)]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("redis-server did not start")
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # a 302 after sign-in is the answer, not a page to follow
        return None


def _attempt(base: str, username: str, password: str) -> tuple[int, str | None]:
    """One sign-in through the real form, with a session (cookie jar) of its own: (status, Retry-After)."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())
    page = browser.open(base + "/sign-in", timeout=30).read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    body = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
    try:
        return browser.open(urllib.request.Request(base + "/sign-in", data=body), timeout=60).status, None
    except urllib.error.HTTPError as err:  # 401, 429, and the 302 that _NoRedirect leaves unfollowed
        return err.code, err.headers.get("Retry-After")


def _sign_in_pids(log) -> set[str]:
    return set(re.findall(r"^<(\d+)> POST /sign-in", log.read_text(), re.M))


def test_a_sign_in_flood_is_counted_across_gunicorn_workers(secure_db, redis_url, tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": secure_db[0], "GEO_TILES_URL": "none", "GEO_SECRET_KEY": STRONG_KEY,
           "GEO_COOKIE_SECURE": "0", "GEO_RATELIMIT_STORAGE": redis_url}  # fmt: skip
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    cmd = gunicorn_command("127.0.0.1", port, workers=2, threads=1, access_log=True)
    cmd[-1:-1] = ["--access-logformat", "%(p)s %(m)s %(U)s %(s)s"]  # %(p)s: <pid> of the worker that answered
    log = tmp_path / "gunicorn.log"
    with running_gunicorn(cmd, env, log, port, "/healthz") as base:
        answers: list[tuple[int, str | None]] = []
        with ThreadPoolExecutor(max_workers=8) as pool:
            while len(answers) < 48 and (len(answers) < ALLOWANCE + 2 or len(_sign_in_pids(log)) < 2):
                batch = [pool.submit(_attempt, base, "ed", f"guess {len(answers) + i}") for i in range(8)]
                answers += [f.result() for f in batch]
        assert len(_sign_in_pids(log)) == 2, "one worker answered every attempt: nothing was proved"
        codes = [code for code, _ in answers]
        # A failure is counted when its answer is known (deduct_when), so each of the 2 single-threaded workers may
        # have one attempt in flight past the check: at most one over the allowance, never the 2x of per-worker counts.
        assert ALLOWANCE <= codes.count(401) <= ALLOWANCE + 1, codes
        assert codes.count(429) == len(codes) - codes.count(401), codes
        assert all(int(retry) > 0 for code, retry in answers if code == 429)
        right = [_attempt(base, "ed", PASSWORD)[0] for _ in range(4)]  # every worker refuses the right one too
        assert right == [429] * 4, right
        assert _attempt(base, "ed2", PASSWORD)[0] == 302  # another account is served


def test_serve_prod_refuses_several_workers_without_a_shared_store(monkeypatch):
    started = []
    monkeypatch.setattr("os.execv", lambda *a: started.append(a))
    env = {"GEO_SECRET_KEY": STRONG_KEY, "GEO_PUBLIC_URL": "https://pcn.example.org", "GEO_ADMIN_TOKEN": "",
           "GEO_RATELIMIT_STORAGE": "", "DATABASE_URL": "postgresql://x/y"}  # fmt: skip
    result = CliRunner().invoke(serve, ["--prod", "--workers", "2"], env=env)
    assert result.exit_code == 2 and not started
    assert "GEO_RATELIMIT_STORAGE is not set" in result.output and "redis://" in result.output
