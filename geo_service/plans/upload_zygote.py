"""The upload reader's zygote (started by :mod:`geo_service.plans.upload_reader` as ``python -m`` this module):
imports what reading a file needs once, then forks one limited child per job line on stdin and answers
``exit <code>`` or ``timeout``. See :mod:`geo_service.plans.upload_reader` for the protocol and the limits.
"""

from __future__ import annotations

import os
import select
import signal
import sys


def _fork_child(job: str, wall_s: float) -> str:
    from geo_service.plans import upload

    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            devnull = os.open(os.devnull, os.O_RDWR)
            os.dup2(devnull, 0)
            os.dup2(devnull, 1)
            err = os.open(os.path.join(job, "stderr"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(err, 2)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            upload._child(job)
            code = 0
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            try:
                sys.stderr.flush()
            finally:
                os._exit(code)
    waiter = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([waiter], [], [], wall_s)
        if not ready:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(waiter)
    return "timeout" if not ready else f"exit {os.waitstatus_to_exitcode(status)}"


def _serve() -> None:
    """The zygote: import what reading a file needs, then fork one limited child per job line on stdin."""
    import geopandas  # noqa: F401
    import numpy  # noqa: F401
    import pyogrio  # noqa: F401
    import pyproj  # noqa: F401
    import shapely  # noqa: F401
    import shapely.ops  # noqa: F401
    import shapely.validation  # noqa: F401

    import geo_service.ingest.coordinates  # noqa: F401
    from geo_service.plans import upload

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C in the terminal stops the web process, which ends us
    for line in sys.stdin.buffer:
        job = line.decode().strip()
        if job:
            sys.stdout.write(_fork_child(job, upload.READ_TIMEOUT_S) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    _serve()
