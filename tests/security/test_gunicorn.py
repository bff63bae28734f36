"""Issue 14 row 12, on the wire: gunicorn as ``geo-service serve --prod`` runs it (the same command line).

Before: every response said ``Server: gunicorn``, and gunicorn's own 414/431 answers were HTML pages.
"""

from __future__ import annotations

import json
import os
import socket

import pytest

from geo_service.cli.serve_commands import gunicorn_command
from tests.conftest import free_port
from tests.gunicorn_server import running_gunicorn


@pytest.fixture(scope="module")
def server(demo_db_url, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    env = {**os.environ, "DATABASE_URL": demo_db_url, "GEO_TILES_URL": "none"}
    cmd = gunicorn_command("127.0.0.1", port, workers=1, threads=2)
    assert "python:geo_service.web.gunicorn_conf" in cmd
    with running_gunicorn(cmd, env, log, port, "/healthz"):
        yield port


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def test_no_server_header(server):
    status, headers, _ = _raw(server, b"GET /api/v1/scenarios HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 200
    assert "server" not in headers, headers
    assert headers["x-content-type-options"] == "nosniff" and "permissions-policy" in headers


@pytest.mark.parametrize(
    "request_bytes, status",
    [
        (b"GET /api/v1/scenarios?q=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-F%d: 1\r\n" % i for i in range(150)) + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
        (b"NOT A REQUEST\r\n\r\n", 400),
    ],
)
def test_gunicorn_refusals_are_problem_json(server, request_bytes, status):
    got, headers, body = _raw(server, request_bytes)
    assert got == status, body
    assert headers["content-type"] == "application/problem+json"
    assert "server" not in headers and headers["x-content-type-options"] == "nosniff"
    problem = json.loads(body)
    assert problem["status"] == status and problem["title"] and "<" not in body.decode()
