"""Shared fixtures: real PostGIS databases made for the test run, never the user's data.

Databases live on the server of ``TEST_DATABASE_URL`` if set, else ``DATABASE_URL``,
else the project-local cluster (started by ``make test``). Names start with
``GEO_TEST_DB_PREFIX`` (default ``geo_service_test``), so parallel runs can use their own.

* ``template_db``  (session) – migrated, empty: the template every other test DB is cloned from.
* ``fresh_db_url`` (function) – a brand-new clone of the template, dropped afterwards: for tests that write.
* ``demo_db_url``  (session) – a clone with the synthetic demo data loaded: read-only tests.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest

from geo_service.config import PROJECT_ROOT
from geo_service.db.admin import create_database_if_missing, drop_database, with_database
from geo_service.db.cluster import LocalCluster
from geo_service.db.migrate import migrate
from geo_service.db.pool import Database

pytest_plugins = ["tests.fixtures_real"]

REAL_DATA = PROJECT_ROOT.parent / "shared" / "data" / "real"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PREFIX = os.environ.get("GEO_TEST_DB_PREFIX", "geo_service_test")
_counter = itertools.count()


def _server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    return url or LocalCluster(PROJECT_ROOT, port=int(os.environ.get("GEO_DB_PORT", 5544))).database_url()


@pytest.fixture(scope="session")
def maintenance_url() -> str:
    return with_database(_server_url(), "postgres")


@pytest.fixture(scope="session")
def template_db(maintenance_url):
    name = f"{PREFIX}_tpl"
    drop_database(maintenance_url, name)
    create_database_if_missing(maintenance_url, name)
    url = with_database(maintenance_url, name)
    migrate(url)
    yield name
    drop_database(maintenance_url, name)


def clone_database(maintenance_url: str, template: str, suffix: str) -> str:
    """A copy of ``template``. PostgreSQL copies only a database nobody is connected to: the idle pooled
    connections that other fixtures' apps keep open on it are ended first (pools drop dead connections)."""
    name = f"{PREFIX}_{suffix}"
    drop_database(maintenance_url, name)
    for attempt in range(5):
        try:
            create_database_if_missing(maintenance_url, name, template=template)
            break
        except psycopg2.errors.ObjectInUse:
            if attempt == 4:
                raise
            _end_idle_sessions(maintenance_url, template)
            time.sleep(0.2 * (attempt + 1))
    return with_database(maintenance_url, name)


def _end_idle_sessions(maintenance_url: str, database: str) -> None:
    conn = psycopg2.connect(maintenance_url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid() AND state = 'idle'",
                (database,),
            )
    finally:
        conn.close()


@pytest.fixture
def fresh_db_url(maintenance_url, template_db):
    url = clone_database(maintenance_url, template_db, f"f{os.getpid()}_{next(_counter)}")
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture
def fresh_db(fresh_db_url):
    db = Database(fresh_db_url, statement_timeout_ms=0)
    yield db
    db.close()


@pytest.fixture(scope="session")
def demo_db_url(maintenance_url, template_db):
    from geo_service.demo.load import load_demo

    url = clone_database(maintenance_url, template_db, "demo")
    db = Database(url)
    load_demo(db)
    db.close()
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


def make_app(database_url: str, **extra):
    from geo_service import create_app

    return create_app({"DATABASE_URL": database_url, "TESTING": True, "GEO_TILES_URL": "none", **extra})


@pytest.fixture(scope="session")
def demo_app(demo_db_url):
    app = make_app(demo_db_url)
    yield app
    app.extensions["geo_db"].close()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """A socket server run in a thread on 127.0.0.1 for the length of a ``with`` block."""

    def __init__(self, server) -> None:
        self.server = server
        self.port = server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.thread.join(timeout=5)


class LiveServer(ServerThread):
    """The app served by werkzeug on 127.0.0.1 in a thread; stopped by the fixture."""

    def __init__(self, app) -> None:
        from werkzeug.serving import make_server

        super().__init__(make_server("127.0.0.1", free_port(), app, threaded=True))


@pytest.fixture(scope="session")
def demo_server(demo_app):
    with LiveServer(demo_app) as live:
        yield live


@pytest.fixture(scope="session")
def real_data() -> Path:
    if not REAL_DATA.is_dir():
        pytest.skip(f"real data folder {REAL_DATA} is missing (it sits beside the repo as ../shared/data/real)")
    return REAL_DATA


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
