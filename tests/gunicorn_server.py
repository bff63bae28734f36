"""gunicorn started for a test on 127.0.0.1, waited for until it answers, and stopped afterwards."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def running_gunicorn(cmd: list[str], env: dict, log: Path, port: int, ready_path: str) -> Iterator[str]:
    """Runs ``cmd`` (its output in ``log``) until the block ends; yields its base URL once ``ready_path`` answers."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        give_up = time.monotonic() + START_DEADLINE_S
        while True:
            try:
                urllib.request.urlopen(url + ready_path, timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(log.read_text())
                if time.monotonic() > give_up:
                    pytest.fail("gunicorn did not start: " + log.read_text())
                time.sleep(0.1)
        yield url
    finally:
        stop_gracefully(proc)


# Deadlines against a hang, not speed goals: on a loaded 2-CPU machine the app takes seconds to import, and a
# graceful stop waits for the workers' last requests (gunicorn's graceful_timeout is 30 s).
START_DEADLINE_S = 120
STOP_DEADLINE_S = 45


def stop_gracefully(proc: subprocess.Popen) -> None:
    """SIGTERM (a graceful stop), then SIGKILL if it has not ended by the deadline."""
    proc.terminate()
    try:
        proc.wait(timeout=STOP_DEADLINE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
