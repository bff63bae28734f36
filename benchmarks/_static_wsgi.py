"""Baseline for embed_throughput.py: a WSGI app that serves one file's bytes from memory."""

import os

_PATH = os.environ["STATIC_FILE"]
with open(_PATH, "rb") as fh:
    _BODY = fh.read()
_HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Encoding", "gzip"),
    ("Content-Length", str(len(_BODY))),
    ("Cache-Control", "public, max-age=300"),
]


def app(environ, start_response):
    start_response("200 OK", list(_HEADERS))
    return [_BODY]
