"""Following a print request the way a browser does (issue 21): a print not ready within ``GEO_PRINT_ANSWER_S``
answers 202 Accepted with ``Retry-After`` and ``Location``; asking ``Location`` again waits (on the server side, on
the making's own event, up to ``GEO_PRINT_ANSWER_S``) and at last gets the file. No sleeps here: each request
itself waits on the event, and the loop has a deadline."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PRINT_DEADLINE_S = 300  # a loaded 2-CPU machine draws an A3 England print in well under this


@contextmanager
def background_print_app(database_url: str, keep_dir: Path) -> Iterator:
    """An app whose prints are never ready at once (``GEO_PRINT_ANSWER_S=0``: every first request takes the 202
    path), keeping them in ``keep_dir``; on leaving, the makings still running are waited for, then it closes."""
    from tests.conftest import make_app

    app = make_app(database_url, GEO_PRINT_KEEP_DIR=str(keep_dir), GEO_PRINT_ANSWER_S=0)
    try:
        yield app
    finally:
        app.extensions["geo_print_jobs"].wait_idle(PRINT_DEADLINE_S)
        app.extensions["geo_db"].close()


def fetch_print(client, url: str, deadline_s: float = PRINT_DEADLINE_S, **kwargs):
    """``client.get(url)``, then ``Location`` again while the answer is 202; the first other answer."""
    end = time.monotonic() + deadline_s
    resp = client.get(url, **kwargs)
    while resp.status_code == 202:
        assert int(resp.headers["Retry-After"]) > 0 and resp.headers["Location"], resp.headers
        assert time.monotonic() < end, f"{url}: still 202 after {deadline_s} s"
        resp = client.get(resp.headers["Location"], **kwargs)
    return resp
