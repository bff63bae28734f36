"""The fork server that draws prints: a ``forkserver`` whose server has imported the print modules once.

Its own module, so that :mod:`geo_service.exports.raster` (a drawing started by the CLI) and
:mod:`geo_service.exports.print_process` (a whole print started by the web app) share it without importing each
other; the modules it preloads are named, not imported, here.
"""

from __future__ import annotations

import multiprocessing
import threading

_FORKSERVER = None
_FORKSERVER_LOCK = threading.Lock()
PRELOAD = ["geo_service.exports.print_process", "geo_service.exports.print_map", "geo_service.db.pool"]


def fork_server():
    """A ``forkserver`` context whose server has imported the print modules once: each print is a fresh fork of
    it (a new process, its memory given back at exit) without paying geopandas' and matplotlib's imports again.
    The server is a new interpreter (not a fork of a threaded web worker)."""
    global _FORKSERVER
    with _FORKSERVER_LOCK:
        if _FORKSERVER is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _FORKSERVER = ctx
        return _FORKSERVER


def run_in_child(target, args: tuple, timeout_s: float) -> int | None:
    """Exit code of ``target(*args)`` run in a fresh fork of the server; None when it overran ``timeout_s`` (it is
    killed). Waits on the child's sentinel, without the GIL."""
    child = fork_server().Process(target=target, args=args, daemon=True)
    child.start()
    child.join(timeout_s)
    if child.is_alive():
        child.kill()
        child.join(5)
        return None
    return child.exitcode
