"""Issue 21 finding 5: 16 sockets sending one header line every 5 s stopped ``serve --prod`` answering.

The fix is the shipped production shape: nginx (``deploy/nginx.conf``, used by ``docker-compose.yml``) in front of
gunicorn, reading whole requests before passing them on. This test runs that shape: gunicorn as ``serve --prod``
runs it and nginx with the repository's config (only its upstream address and listening port changed), opens 16
slow sockets through nginx and asks ``/healthz`` 5 times: all 5 must answer. Needs the ``nginx`` binary (Debian
package ``nginx``); skipped, saying so, without it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from geo_service.cli.serve_commands import gunicorn_command
from geo_service.config import PROJECT_ROOT
from tests.conftest import free_port
from tests.gunicorn_server import START_DEADLINE_S

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
pytestmark = [
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)"),
    pytest.mark.slow,  # gunicorn and nginx as subprocess servers
]


def _wait(url: str, proc: subprocess.Popen, what: str) -> None:
    """Until ``url`` answers; the deadline is against a hang (a loaded 2-CPU machine takes seconds to import)."""
    give_up = time.monotonic() + START_DEADLINE_S
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"{what} exited")
            if time.monotonic() > give_up:
                pytest.fail(f"{what} did not start")
            time.sleep(0.1)


@pytest.fixture
def production_shape(demo_db_url, tmp_path):
    app_port, proxy_port = free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": demo_db_url, "GEO_TILES_URL": "none", "GEO_TRUSTED_PROXIES": "1"}
    app = subprocess.Popen(gunicorn_command("127.0.0.1", app_port, workers=1, threads=4), env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    site = (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()
    site = site.replace("server app:5000;", f"server 127.0.0.1:{app_port};").replace(
        "listen 8080;", f"listen 127.0.0.1:{proxy_port};"
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}; proxy_temp_path {tmp_path}; "
        f"include {tmp_path}/site.conf; }}\n"
    )
    proxy = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        _wait(f"http://127.0.0.1:{app_port}/healthz", app, "gunicorn")
        _wait(f"http://127.0.0.1:{proxy_port}/healthz", proxy, "nginx")
        yield proxy_port
    finally:
        for proc in (proxy, app):
            proc.terminate()
            proc.wait(timeout=20)


def test_slow_clients_do_not_stop_the_service(production_shape):
    port = production_shape
    slow = []
    for _ in range(16):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        slow.append(sock)
    try:
        answered = 0
        for _ in range(5):
            for sock in slow:  # one more header line each, as the attack does
                try:
                    sock.sendall(b"X-Slow: 1\r\n")
                except OSError:
                    pass  # nginx has already closed it: fine
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as resp:
                answered += resp.status == 200
            time.sleep(1)
        assert answered == 5
    finally:
        for sock in slow:
            sock.close()
