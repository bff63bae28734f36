"""Shared fixtures: real PostGIS databases made for the test run, never the user's data.

Databases live on the server of ``TEST_DATABASE_URL`` if set, else on the project-local cluster on port
``GEO_DB_PORT`` (default 5544; ``make test`` starts it). ``DATABASE_URL`` and every other app setting in the
caller's environment are ignored (scrubbed below). Names start with ``GEO_TEST_DB_PREFIX`` (default
``geo_service_test``); per-run databases also carry the xdist worker (``gw0``, ``gw1``, ``main``).

* ``template_db``   (session) – migrated, empty template, kept between runs (tests/db_templates.py).
* ``demo_template`` (session) – the same with the synthetic demo loaded.
* ``fresh_db_url`` / ``fresh_demo_db_url`` (function) – a writable clone of one of them, dropped afterwards.
* ``demo_db_url``   (session) – the demo, read-only in the database itself, shared by every test and worker.

Markers come from the folder and the fixtures a test uses (``pytest_collection_modifyitems``): ``browser``
(tests/browser, or anything using ``chromium``), ``faults`` (tests/faults), ``real_data`` (anything using
``real_data``), ``slow`` (:data:`SLOW_MODULES`, and every module holding a server starter: :func:`server_starters`)
and ``quick`` (none of these: ``make test-quick``).
"""

from __future__ import annotations

import os

# ---- hermetic: nothing from the caller's shell reaches the app under test -----------------------------------------
# Scrubbed before anything imports geo_service, in the controller and in every xdist worker (and so in every process
# a test starts). Kept: TEST_DATABASE_URL (the server for test databases), GEO_DB_PORT (the project-local cluster's
# port), GEO_TEST_DB_PREFIX (test database names) and GEO_CHROMIUM (the browser binary).
KEPT_ENV = frozenset({"TEST_DATABASE_URL", "GEO_DB_PORT", "GEO_TEST_DB_PREFIX", "GEO_CHROMIUM"})
SCRUBBED_ENV = frozenset(
    {
        "PORT",
        "DATABASE_URL",
        "WEB_CONCURRENCY",
        "WEB_THREADS",
        "MAKEFLAGS",
        "MFLAGS",
        "MAKELEVEL",
        "PGOPTIONS",
        "PGTZ",
        "PROMETHEUS_MULTIPROC_DIR",
    }
)
SCRUBBED_PREFIXES = ("GEO_", "FLASK_")


def scrub_environment(environ=os.environ) -> list[str]:
    """Remove the app's settings (and make's) from ``environ``; the names removed."""
    gone = [k for k in list(environ) if k not in KEPT_ENV and (k in SCRUBBED_ENV or k.startswith(SCRUBBED_PREFIXES))]
    for k in gone:
        del environ[k]
    return gone


SCRUBBED = scrub_environment()

import gc  # noqa: E402
import hashlib  # noqa: E402
import itertools  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

import psycopg2  # noqa: E402
import pytest  # noqa: E402
from filelock import FileLock  # noqa: E402

from geo_service.config import PROJECT_ROOT  # noqa: E402
from geo_service.db.admin import drop_database, with_database  # noqa: E402
from geo_service.db.migrate import migrate  # noqa: E402
from geo_service.db.pool import Database  # noqa: E402
from geo_service.devtools.cluster import LocalCluster  # noqa: E402
from tests import db_templates  # noqa: E402
from tests.db_templates import Templates, worker_id  # noqa: E402

pytest_plugins = ["tests.fixtures_real", "tests.scheduling"]

TESTS = Path(__file__).resolve().parent
REAL_DATA = PROJECT_ROOT.parent / "shared" / "data" / "real"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PREFIX = os.environ.get("GEO_TEST_DB_PREFIX", "geo_service_test")
_counter = itertools.count()


# ---- markers: from the folder and from the fixtures a test uses ---------------------------------------------------
FOLDER_MARKERS = {"browser": "browser", "faults": "faults"}
# Modules that take long without needing a browser, a fault cluster or real data (subprocess servers, schemathesis,
# package builds): outside the quick tier.
SLOW_MODULES = {
    "tests/test_make_run.py",
    "tests/test_package_install.py",
    "tests/api_docs/test_schemathesis.py",
    "tests/security/test_gunicorn.py",
    "tests/security/test_shared_throttling.py",  # redis and gunicorn with two workers
    "tests/db/test_cluster.py",  # starts and stops PostgreSQL clusters
    "tests/exports/test_print_map.py",  # print rendering at full size and dpi
    "tests/exports/test_print_concurrency.py",
    "tests/plans/test_visibility_everywhere.py",  # every route of the app, for each plan visibility
    "tests/suggest/test_suggest_jobs.py",  # web processes killed and started again around a queued job
}
TIER_MARKERS = ("browser", "faults", "real_data", "slow")


def server_starters() -> tuple:
    """What starts a server process in a test: gunicorn (the app's command line or the tests' helper) or a
    PostgreSQL cluster of its own. A module holding any of them is in the slow tier, whatever its folder."""
    from geo_service.cli.serve_commands import gunicorn_command
    from tests import gunicorn_server

    return (gunicorn_command, gunicorn_server.running_gunicorn, gunicorn_server.stop_gracefully, LocalCluster)


def starts_servers(module) -> bool:
    starters = server_starters()
    return module is not None and any(any(v is s for s in starters) for v in vars(module).values())


def pytest_collection_modifyitems(config, items):
    for item in items:
        rel = Path(str(item.path)).resolve().relative_to(TESTS.parent)
        folder = rel.parts[1] if len(rel.parts) > 2 else ""
        if folder in FOLDER_MARKERS:
            item.add_marker(FOLDER_MARKERS[folder])
        if "chromium" in item.fixturenames:
            item.add_marker("browser")
        if "real_data" in item.fixturenames:
            item.add_marker("real_data")
        if rel.as_posix() in SLOW_MODULES or starts_servers(getattr(item, "module", None)):
            item.add_marker("slow")
        if not any(item.get_closest_marker(m) for m in TIER_MARKERS):
            item.add_marker("quick")


# ---- garbage collection: the imported libraries and collected tests are never garbage -------------------------------
# A worker holds millions of long-lived objects (geopandas, shapely, playwright, every test module); each full
# collection walked them all again, about a tenth of a worker's CPU. After collection they are moved out of the
# collector's sight (gc.freeze) and collections run less often; cycles made by tests are still collected.
GC_THRESHOLDS = (20_000, 50, 50)


CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Record whether a test's body failed (``item.stash[CALL_FAILED]``), for fixtures that keep something between
    tests and must not keep what a failed test left (tests/browser/conftest.py's kept tabs)."""
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


def pytest_collection_finish(session):
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


# ---- databases ----------------------------------------------------------------------------------------------------


def _server_url() -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    return url or LocalCluster(PROJECT_ROOT, port=int(os.environ.get("GEO_DB_PORT", 5544))).database_url()


def db_name(suffix: str) -> str:
    """A database name of this run's worker: ``<prefix>_<worker>_<suffix>``."""
    return f"{PREFIX}_{worker_id()}_{suffix}"


@pytest.fixture(scope="session")
def maintenance_url() -> str:
    return with_database(_server_url(), "postgres")


@pytest.fixture(scope="session")
def templates(maintenance_url) -> Templates:
    return Templates(maintenance_url, PREFIX)


@pytest.fixture(scope="session")
def template_db(templates) -> str:
    """The migrated, empty template (kept between runs; rebuilt when a migration changes)."""
    return templates.template("migrated", db_templates.migrated_key(), migrate)


@pytest.fixture(scope="session")
def demo_template(templates, template_db) -> str:
    """The migrated template with the synthetic demo loaded."""

    def build(url: str) -> None:
        from geo_service.demo.load import load_demo

        db = Database(url, statement_timeout_ms=0)
        try:
            load_demo(db)
        finally:
            db.close()

    return templates.template("demo", db_templates.demo_key(), build, source=template_db)


_RAM: dict[str, str | None] = {}


def clone_tablespace(maintenance_url: str) -> str | None:
    """Where this run's clones go: a tablespace in RAM on the project-local cluster (:func:`db_templates.
    ram_tablespace`: clones on its ext4 disk cost up to 8 times the CPU), the default one on a TEST_DATABASE_URL
    server."""
    if maintenance_url not in _RAM:
        ram = None
        if not os.environ.get("TEST_DATABASE_URL"):
            cluster = LocalCluster(PROJECT_ROOT, port=int(os.environ.get("GEO_DB_PORT", 5544)))
            lock_dir = Templates(maintenance_url, PREFIX).lock_dir
            ram = db_templates.ram_tablespace(maintenance_url, cluster.server_data_dir, lock_dir)
        _RAM[maintenance_url] = ram
    return _RAM[maintenance_url]


def clone_database(maintenance_url: str, template: str, suffix: str) -> str:
    """A writable copy of ``template`` for this worker, named after ``suffix``, in :func:`clone_tablespace`. A
    shared read-only database (``<prefix>_ro_<kind>_<key>``) is copied from its template, which nobody is
    connected to."""
    ro = f"{PREFIX}_ro_"
    if template.startswith(ro):
        template = f"{PREFIX}_t_{template[len(ro) :]}"
    return db_templates.clone(maintenance_url, template, db_name(suffix), clone_tablespace(maintenance_url))


@pytest.fixture
def fresh_db_url(maintenance_url, template_db):
    url = clone_database(maintenance_url, template_db, f"f{next(_counter)}")
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@contextmanager
def rolled_back_connection(url: str) -> Iterator:
    """A psycopg2 connection to ``url``, rolled back and closed at the end: for a module's reads (each new
    connection pays PostGIS's and PROJ's set-up) or a test's writes that must leave nothing behind."""
    conn = psycopg2.connect(url)
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


@pytest.fixture
def fresh_db(fresh_db_url):
    db = Database(fresh_db_url, statement_timeout_ms=0)
    yield db
    db.close()


@pytest.fixture
def fresh_demo_db_url(maintenance_url, demo_template):
    """A writable clone of the demo template, dropped afterwards."""
    url = clone_database(maintenance_url, demo_template, f"d{next(_counter)}")
    yield url
    drop_database(maintenance_url, url.rsplit("/", 1)[1])


@pytest.fixture
def fresh_demo_db(fresh_demo_db_url):
    db = Database(fresh_demo_db_url, statement_timeout_ms=0)
    yield db
    db.close()


@pytest.fixture(scope="session")
def demo_db_url(templates, demo_template):
    """The demo, read-only in the database itself, shared by every test, worker and run."""
    return templates.shared_readonly("demo", demo_template)


# ---- the apps' own copies of the shared read-only databases ----------------------------------------------------------
# The app writes even when it only serves GETs (stored embed renderings), so an app is never handed a shared
# read-only database. It gets this run's writable copy of the template behind it, one per template shared by every
# worker (made by the first that needs it, dropped by the run's end). Its name is the same in every run, so kept
# prints (keyed by the database) made by one worker or run are served to the others, as in a deployment.
_APP_COPIES: dict[str, str] = {}
RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID") or uuid.uuid4().hex  # a worker has its run's; else this run's


def pytest_configure(config):
    if not hasattr(config, "workerinput") and getattr(config.option, "testrunuid", "absent") is None:
        config.option.testrunuid = RUN_ID  # xdist hands it to the workers: the controller knows their copies


def _app_copy_marker(lock_dir: Path, copy: str) -> Path:
    return lock_dir / f"{copy}.run"


def app_database_url(database_url: str) -> str:
    """The database an app under test is given: ``database_url`` itself unless it is a shared read-only one, then
    this run's writable copy of the template behind it (``<prefix>_app_<kind>_<key>``). Tests reading the shared
    database directly see the same data."""
    name = database_url.rsplit("/", 1)[1]
    ro = f"{PREFIX}_ro_"
    if not name.startswith(ro):
        return database_url
    if name not in _APP_COPIES:
        maintenance = with_database(database_url, "postgres")
        copy = f"{PREFIX}_app_{name[len(ro) :]}"
        lock_dir = Templates(maintenance, PREFIX).lock_dir
        marker = _app_copy_marker(lock_dir, copy)
        with FileLock(str(lock_dir / f"{copy}.lock")):
            made = marker.exists() and marker.read_text() == RUN_ID and db_templates.database_names(maintenance, copy)
            if not made:  # none yet in this run (one left by an earlier, stopped run is not trusted)
                drop_database(maintenance, copy)
                template = f"{PREFIX}_t_{name[len(ro) :]}"
                db_templates.clone(maintenance, template, copy, clone_tablespace(maintenance))
                marker.write_text(RUN_ID)
        _APP_COPIES[name] = with_database(maintenance, copy)
    return _APP_COPIES[name]


def pytest_sessionfinish(session, exitstatus):
    """The run's end (the controller's, after its workers'): the apps' copies made in this run are dropped, and the
    prints kept for the tests' own databases removed."""
    if hasattr(session.config, "workerinput"):
        return
    shutil.rmtree(run_prints_dir(), ignore_errors=True)
    try:
        maintenance = with_database(_server_url(), "postgres")
    except Exception:  # noqa: BLE001 - no cluster to reach (a run that never made a database)
        return
    lock_dir = Templates.lock_dir_of(maintenance)
    for marker in lock_dir.glob(f"{PREFIX}_app_*.run"):
        if marker.read_text() == RUN_ID:
            drop_database(maintenance, marker.name[: -len(".run")])
            marker.unlink(missing_ok=True)
    _APP_COPIES.clear()


def make_app(database_url: str, **extra):
    from geo_service import create_app

    url = app_database_url(database_url)
    # the workers' apps share a database copy (and its kept prints) but not its host-wide print slots: a test
    # holding the one slot of its app must not hold up another worker's prints
    slots = Path(tempfile.gettempdir()) / f"geo_service-test-print-slots-{worker_id()}"
    config = {"DATABASE_URL": url, "TESTING": True, "GEO_TILES_URL": "none", "GEO_PRINT_SLOT_DIR": str(slots)}
    if url == database_url:  # a test's own database, whose name a later run reuses for other data: its prints
        digest = hashlib.sha256(url.encode()).hexdigest()[:16]  # are kept for this run only
        config["GEO_PRINT_KEEP_DIR"] = str(run_prints_dir() / digest)
    return create_app({**config, **extra})


def run_prints_dir() -> Path:
    """Where the apps on a test's own database keep their prints: one folder per run, removed at its end."""
    return Path(tempfile.gettempdir()) / f"geo_service-test-prints-{RUN_ID[:16]}"


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
