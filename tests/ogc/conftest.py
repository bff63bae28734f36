"""A real server for the OGC API tests: werkzeug on 127.0.0.1 (a free port per xdist worker), stopped afterwards."""

from __future__ import annotations

import psycopg2
import pytest
from werkzeug.serving import make_server

from tests.conftest import ServerThread, free_port, make_app


def _serve(db_url: str, port: int):
    app = make_app(db_url, GEO_PUBLIC_URL=f"http://127.0.0.1:{port}")
    with ServerThread(make_server("127.0.0.1", port, app, threaded=True)) as live:
        live.db_url = db_url
        yield live
    app.extensions["geo_db"].close()


@pytest.fixture(scope="session")
def real_ogc(england_2019_db_url):
    yield from _serve(england_2019_db_url, free_port())


@pytest.fixture(scope="session")
def demo_ogc(demo_db_url):
    yield from _serve(demo_db_url, free_port())


def sql_value(db_url: str, query: str, params: dict | None = None):
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute(query, params or {})
            return cur.fetchone()[0]
    finally:
        conn.close()
