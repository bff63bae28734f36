"""The process that reads uploaded polygon files: a zygote that imports the readers once and forks one child per file.

Issue 21 reads each uploaded file in a child process with CPU-time, wall-time and address-space limits (see
:mod:`geo_service.plans.upload`). Starting ``python`` afresh for every file costs 0.5–1 s of CPU in imports
(geopandas, pyogrio/GDAL, shapely, pyproj) before the file is even opened. Here one long-lived process per web
process (a zygote, as Android and CPython's ``forkserver`` do it) imports them once; for each file it forks a
child that sets the same limits on itself, reads the file and exits. The limits and the isolation are unchanged:

- the child sets ``RLIMIT_CPU`` and ``RLIMIT_AS`` on itself after the fork (a forked process starts with zero CPU
  time), and the zygote kills it when it overruns the wall time;
- the zygote was started with the same environment as the cold reader was (thread caps for the numeric
  libraries) and holds nothing of the web process: no app, no database connection, no request;
- the child's stdin and stdout are /dev/null (it cannot speak on the zygote's pipe); its stderr goes to a file in
  the job folder, which the caller logs when the child fails.

Protocol, one line each way per file: the caller writes the job folder, the zygote answers ``exit <code>`` or
``timeout``. A zygote serves one file at a time; concurrent uploads in one web process each take an idle zygote or
start one. A zygote ends when its web process closes the pipe (or dies).
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
from pathlib import Path

MAX_IDLE = 2  # idle zygotes kept per web process; more concurrent uploads start (and then end) extra ones
_ANSWER_MARGIN_S = 10  # the caller's wait beyond the child's wall limit before it gives up on the zygote itself

_lock = threading.Lock()
_idle: list[_Zygote] = []


class _Zygote:
    def __init__(self) -> None:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}
        self.owner = os.getpid()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "geo_service.plans.upload_zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
        )

    def usable(self) -> bool:
        return self.owner == os.getpid() and self.proc.poll() is None

    def close(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def run(self, job: Path, wall_s: float) -> int | None:
        """Exit code of the child that read ``job`` (None: it overran ``wall_s``). Raises OSError if the zygote
        itself failed (the caller then discards it)."""
        self.proc.stdin.write(f"{job}\n".encode())
        self.proc.stdin.flush()
        out = self.proc.stdout.fileno()
        ready, _, _ = select.select([out], [], [], wall_s + _ANSWER_MARGIN_S)
        if not ready:
            raise OSError("the upload reader did not answer")
        line = self.proc.stdout.readline().decode().split()
        if not line:
            raise OSError("the upload reader ended")
        return None if line[0] == "timeout" else int(line[1])


def run(job: Path, wall_s: float) -> int | None:
    """Read the job folder ``job`` (``job.json`` and ``data``, see :func:`geo_service.plans.upload._child`) in a
    child forked from an idle zygote; returns the child's exit code, or None when it overran ``wall_s`` and was
    killed. The child writes ``result.json`` and, if it fails, ``stderr`` into the folder."""
    with _lock:
        while _idle and not _idle[-1].usable():
            _idle.pop()
        zygote = _idle.pop() if _idle else None
    if zygote is None:
        zygote = _Zygote()
    try:
        code = zygote.run(job, wall_s)
    except (OSError, ValueError, IndexError):
        zygote.kill()
        return 1
    with _lock:
        if len(_idle) < MAX_IDLE:
            _idle.append(zygote)
            zygote = None
    if zygote is not None:
        zygote.close()
    return code
