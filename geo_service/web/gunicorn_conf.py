"""gunicorn settings for ``geo-service serve --prod`` (``gunicorn -c python:geo_service.web.gunicorn_conf``).

* Request limits, stated rather than left to defaults: a request line of at most 4,094 bytes (every URL of
  ours fits; the validation layer refuses longer values anyway), at most 100 header fields of 8,190 bytes.
* gunicorn answers requests it refuses itself (414 URI Too Long, 431 Request Header Fields Too Large, 400
  for a malformed request) before the app sees them, as a bare HTML page. :func:`write_problem` makes those
  answers ``application/problem+json`` like every other error, with the same basic security headers.
* No ``Server: gunicorn`` header: gunicorn has no setting for it, so its response class is given default
  headers without that line.

gunicorn offers no hook for either of the last two: both replace one gunicorn function at config-load time
(the master imports this module before forking its workers). ``tests/security/test_gunicorn.py`` runs the
pinned gunicorn with this file and checks both answers on the wire.
"""

from __future__ import annotations

import json
import os

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


gunicorn.util.write_error = write_problem
gunicorn.http.wsgi.Response.default_headers = _default_headers_without_server
