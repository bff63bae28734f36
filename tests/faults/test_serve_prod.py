"""``geo-service serve --prod``, run the way the README writes it, with ``.venv/bin`` not on ``PATH``
(issue 14 row 11: it crashed with FileNotFoundError looking for ``gunicorn`` on PATH)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from geo_service.cli.serve_commands import gunicorn_command
from tests.conftest import free_port
from tests.faults.conftest import get

CLI = Path(sys.executable).parent / "geo-service"


def test_gunicorn_runs_from_this_interpreter():
    args = gunicorn_command("127.0.0.1", 5010, 2, 4)
    assert args[:3] == [sys.executable, "-m", "gunicorn"]
    assert args[args.index("--worker-class") + 1] == "gthread" and args[args.index("--threads") + 1] == "4"


def test_serve_prod_as_the_readme_writes_it_without_the_venv_on_path(demo_db_url, tmp_path):
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",  # no .venv/bin
        "HOME": str(tmp_path),
        "DATABASE_URL": demo_db_url,
        "GEO_TILES_URL": "none",
        "LANG": "C.UTF-8",
        # issue 21: production refuses to start without a strong key and a public URL
        "GEO_SECRET_KEY": "k3y-for-tests-only-aQ9xZ7pL2mN8vB4cR6tY1uI0oP5sD3fG",
        "GEO_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    proc = subprocess.Popen(
        [str(CLI), "serve", "--prod", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        answer = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            answer = get(f"http://127.0.0.1:{port}", "/healthz", timeout=2)
            if answer.status == 200:
                break
            time.sleep(0.2)
        assert proc.poll() is None, proc.stdout.read()
        assert answer is not None and answer.status == 200
        assert get(f"http://127.0.0.1:{port}", "/api/v1/scenarios").status == 200
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")
        assert b"gunicorn" in cmdline[2] or b"gunicorn" in b" ".join(cmdline)
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
