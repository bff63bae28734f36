"""gunicorn settings for ``geo-service serve --prod`` (``gunicorn -c python:geo_service.web.gunicorn_conf``).

* Request limits, stated rather than left to defaults: a request line of at most 4,094 bytes (every URL of
  ours fits; the validation layer refuses longer values anyway), at most 100 header fields of 8,190 bytes.
* gunicorn answers requests it refuses itself (414 URI Too Long, 431 Request Header Fields Too Large, 400
  for a malformed request) before the app sees them, as a bare HTML page. :func:`write_problem` makes those
  answers ``application/problem+json`` like every other error, with the same basic security headers.
* No ``Server: gunicorn`` header: gunicorn has no setting for it, so its response class is given default
  headers without that line.
* A worker or the master that stops cleanly ends without the interpreter's teardown (:func:`worker_exit`,
  :func:`on_exit`): its exit handlers run, then ``os._exit(0)``. The teardown freed every object of every imported
  module one by one, about 0.5 s of CPU a process, more in forked workers, where each page it touched was copied.

gunicorn offers no hook for the second and third points: both replace one gunicorn function at config-load time
(the master imports this module, and with it the web package and every module the app needs, before forking
its workers: each worker starts with them imported). ``tests/security/test_gunicorn.py`` runs the
pinned gunicorn with this file and checks both answers on the wire.
"""

from __future__ import annotations

import atexit
import json
import os
import sys

import gunicorn.http.wsgi
import gunicorn.util

limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# gunicorn 24+ opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl) by default: several
# instances on one machine (two `serve --prod` behind one proxy, the tests' servers) would take it from each other
# and slow each other's shutdown. We drive gunicorn with signals (SIGTERM, SIGHUP) like any process manager does.
control_socket_disable = True

ERROR_HEADERS = (
    "Content-Type: application/problem+json\r\n"
    "Cache-Control: no-store\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
    "Connection: close\r\n"
)


def write_problem(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's ``util.write_error`` with a problem+json body (its message is gunicorn's own, no traceback)."""
    body = json.dumps(
        {"type": "about:blank", "title": reason, "status": status_int, "detail": mesg or reason},
        ensure_ascii=True,
    ).encode("ascii")
    head = f"HTTP/1.1 {status_int} {reason}\r\n{ERROR_HEADERS}Content-Length: {len(body)}\r\n\r\n"
    gunicorn.util.write_nonblock(sock, head.encode("latin-1") + body)


_default_headers = gunicorn.http.wsgi.Response.default_headers


def _default_headers_without_server(self) -> list[str]:
    return [h for h in _default_headers(self) if not h.lower().startswith("server:")]


def on_starting(server) -> None:  # noqa: ANN001 - gunicorn hook
    """Issue 26: a metrics folder (``PROMETHEUS_MULTIPROC_DIR``) starts empty, or a restart would add up the
    previous run's counters."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder and os.path.isdir(folder):
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.unlink(os.path.join(folder, name))


def child_exit(server, worker) -> None:  # noqa: ANN001 - gunicorn hook
    """A dead worker's live gauges (pool in use, prints drawing) leave the sum; its counters stay."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def _end_without_teardown() -> None:
    """End this process after a clean stop the way its exit handlers expect (``atexit``: logging flushed, a
    print fork server's children ended), but without the interpreter's teardown, which frees every object of every
    imported module one by one: about 0.5 s of CPU per process for this app's imports (numpy, pandas, matplotlib,
    GDAL, PROJ), for memory the kernel takes back at once. Workers' in-flight requests are done by then: gunicorn
    returns from the worker's loop only once its connections are answered or the graceful timeout has passed."""
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed or gone: nothing left to write to
            pass
    os._exit(0)


def worker_exit(server, worker) -> None:  # noqa: ANN001 - gunicorn hook
    """A worker that ends cleanly (``sys.exit(0)`` after SIGTERM, ``max_requests`` or a reload) skips the
    teardown. gunicorn calls this hook while the worker's ``SystemExit`` propagates, which says how it ended; a
    worker that failed (to boot, or with an error) exits as before, with its status. The master calls this hook
    too, for a worker it found already gone: that call is left alone."""
    ending = sys.exc_info()[1]
    if os.getpid() == worker.pid and isinstance(ending, SystemExit) and ending.code in (0, None):
        _end_without_teardown()


def on_exit(server) -> None:  # noqa: ANN001 - gunicorn hook
    """The master skips the teardown too after a clean stop (SIGTERM or SIGINT: gunicorn halts from its
    ``except (StopIteration, KeyboardInterrupt)``, with exit status 0); a halt for an error exits as before."""
    if isinstance(sys.exc_info()[1], (StopIteration, KeyboardInterrupt)):
        _end_without_teardown()


gunicorn.util.write_error = write_problem
gunicorn.http.wsgi.Response.default_headers = _default_headers_without_server
