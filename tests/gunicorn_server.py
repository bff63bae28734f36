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
        for _ in range(300):
            try:
                urllib.request.urlopen(url + ready_path, timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(log.read_text())
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start: " + log.read_text())
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
