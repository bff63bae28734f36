"""The test harness keeps its promises (issue 23): markers that select what they say, a suite that ignores the
caller's environment, shared databases that refuse writes, and templates keyed by what makes them."""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
from pathlib import Path

import psycopg2
import psycopg2.errors
import pytest
from psycopg2 import sql

from geo_service.db import migrate
from tests import conftest, db_templates

TESTS = Path(__file__).resolve().parent


def test_every_test_that_starts_chromium_is_marked_browser(request):
    """Whatever the folder: a test whose fixtures include ``chromium`` (directly or through ``browser_page`` and
    the like) carries the ``browser`` marker, so ``-m browser`` / ``-m "not browser"`` select it right."""
    items = request.session.items
    with_chromium = [i for i in items if "chromium" in i.fixturenames]
    unmarked = [i.nodeid for i in with_chromium if i.get_closest_marker("browser") is None]
    assert unmarked == []
    unfiltered = not request.config.getoption("markexpr") and not request.config.getoption("keyword")
    if unfiltered and len(items) > 1000:  # a whole-suite run (1,462 tests): the browser tests are among the items
        assert len(with_chromium) >= 70, len(with_chromium)
    tiers = [i.nodeid for i in with_chromium if i.get_closest_marker("quick")]
    assert tiers == [], "a browser test in the quick tier"


def test_every_test_reading_a_real_data_database_is_marked_real_data(request):
    """The real-data databases' fixtures name ``real_data`` as a parameter, so a test reading one (directly or
    through another fixture) carries the ``real_data`` marker and stays out of the quick tier."""
    from tests.fixtures_real import FIXTURE_KIND

    readers = [i for i in request.session.items if set(FIXTURE_KIND) & set(i.fixturenames)]
    unmarked = [i.nodeid for i in readers if i.get_closest_marker("real_data") is None]
    assert unmarked == []


def test_every_test_that_starts_a_server_process_is_outside_the_quick_tier(request):
    """A test module that names a server starter (gunicorn's command line or the tests' gunicorn helper, a
    PostgreSQL cluster of its own) is marked ``slow`` by the conftest, read here from the source text instead of
    the module's names: ``make test-quick`` runs none of them."""
    names = [f.__name__ for f in conftest.server_starters()]
    quick = [i for i in request.session.items if i.get_closest_marker("quick")]
    starting = sorted(
        {str(i.path) for i in quick if any(n in Path(i.path).read_text(encoding="utf-8") for n in names)}
        - {str(TESTS / "conftest.py"), str(TESTS / "gunicorn_server.py"), __file__}
    )
    assert starting == [], starting


STARTERS = {"sync_playwright", "async_playwright"}  # what starts Playwright (its TimeoutError, expect… do not)
LAUNCHERS = {"launch", "launch_persistent_context", "connect_over_cdp"}


def _playwright_users() -> dict[str, list[str]]:
    """Test files that start Playwright or launch (or connect to) a browser, and where."""
    out = {}
    for path in sorted(TESTS.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        hits = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("playwright"):
                starters = [a.name for a in node.names if a.name in STARTERS or a.name == "*"]
                if starters:
                    hits.append(f"line {node.lineno}: from {node.module} import {', '.join(starters)}")
            elif isinstance(node, ast.Import) and any(a.name.startswith("playwright") for a in node.names):
                hits.append(f"line {node.lineno}: import playwright")
            elif isinstance(node, ast.Attribute) and node.attr in LAUNCHERS:
                hits.append(f"line {node.lineno}: .{node.attr}(")
        if hits:
            out[str(path.relative_to(TESTS))] = hits
    return out


def test_chromium_is_started_only_by_the_chromium_fixture():
    """Scanning every module under tests/: Playwright is started and a browser launched in one place only, the
    ``chromium`` fixture of tests/browser/conftest.py. So the fixture check above covers every Chromium test."""
    users = _playwright_users()
    assert set(users) == {"browser/conftest.py"}, users
    source = (TESTS / "browser" / "conftest.py").read_text(encoding="utf-8")
    fixture = next(n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == "chromium")
    assert any(isinstance(n, ast.Attribute) and n.attr == "launch" for n in ast.walk(fixture)), (
        "the launch is in the chromium fixture"
    )


def test_the_caller_environment_is_scrubbed():
    for name in ("PORT", "DATABASE_URL", "GEO_PUBLIC_URL", "GEO_TILES_URL", "MAKEFLAGS"):
        assert name not in os.environ, name
    env = {
        "PORT": "5598",
        "GEO_PUBLIC_URL": "https://example.org",
        "GEO_ADMIN_TOKEN": "x",
        "DATABASE_URL": "postgresql://elsewhere/db",
        "FLASK_DEBUG": "1",
        "WEB_CONCURRENCY": "9",
        "TEST_DATABASE_URL": "postgresql://test/db",
        "GEO_DB_PORT": "5551",
        "GEO_TEST_DB_PREFIX": "mine",
        "GEO_CHROMIUM": "/usr/bin/chromium",
        "HOME": "/root",
    }
    gone = conftest.scrub_environment(env)
    assert sorted(gone) == [
        "DATABASE_URL",
        "FLASK_DEBUG",
        "GEO_ADMIN_TOKEN",
        "GEO_PUBLIC_URL",
        "PORT",
        "WEB_CONCURRENCY",
    ]
    assert set(env) == {"TEST_DATABASE_URL", "GEO_DB_PORT", "GEO_TEST_DB_PREFIX", "GEO_CHROMIUM", "HOME"}


def test_the_shared_demo_database_refuses_writes(demo_db_url):
    conn = psycopg2.connect(demo_db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM practices")
            assert cur.fetchone()[0] > 0
            with pytest.raises(psycopg2.errors.ReadOnlySqlTransaction):
                cur.execute("UPDATE data_version SET version = version + 1")
    finally:
        conn.close()


def test_an_app_gets_a_writable_copy_of_a_shared_database(demo_db_url):
    url = conftest.app_database_url(demo_db_url)
    assert url != demo_db_url
    assert conftest.app_database_url(demo_db_url) == url  # one copy per worker and run
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_setting('default_transaction_read_only')")
            assert cur.fetchone()[0] == "off"
    finally:
        conn.rollback()
        conn.close()


def test_a_clone_of_a_template_is_writable_and_its_own(fresh_demo_db_url, demo_db_url):
    conn = psycopg2.connect(fresh_demo_db_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE networks SET name = 'changed' WHERE code = 'UZ0001'")
            assert cur.rowcount >= 1
    finally:
        conn.close()
    conn = psycopg2.connect(demo_db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT name FROM networks WHERE code = 'UZ0001'")
            names = [r[0] for r in cur.fetchall()]
            assert names and "changed" not in names
    finally:
        conn.close()


def test_templates_are_keyed_by_what_makes_them(tmp_path):
    demo = {
        p.relative_to(db_templates.PACKAGE).as_posix() for p in db_templates.module_closure("geo_service.demo.load")
    }
    assert {"demo/load.py", "demo/generator.py", "db/pool.py", "__init__.py", "demo/__init__.py"} <= demo
    assert any(p.startswith("db/repositories/") for p in demo)
    bundle = {
        p.relative_to(db_templates.PACKAGE).as_posix() for p in db_templates.module_closure("geo_service.ingest.bundle")
    }
    assert "ingest/bundle.py" in bundle and "demo/load.py" not in bundle
    data = tmp_path / "f.csv"
    data.write_text("a")
    first = db_templates.fingerprint(data_files=[data], extra=["x"])
    assert db_templates.fingerprint(data_files=[data], extra=["x"]) == first
    data.write_text("b")  # same size: the content decides, not the size or the modification time
    assert db_templates.fingerprint(data_files=[data], extra=["x"]) != first
    data.write_text("a")
    os.utime(data, (0, 0))
    assert db_templates.fingerprint(data_files=[data], extra=["x"]) == first
    assert db_templates.fingerprint(data_files=[data], extra=["y"]) != db_templates.fingerprint(
        data_files=[data], extra=["x"]
    )
    assert db_templates.demo_key() != db_templates.migrated_key()


def test_migrated_template_key_covers_every_schema_file(monkeypatch):
    """The migrated template (and every template built on it) is rebuilt when the baseline, any function or trigger
    file or any numbered migration changes."""
    files = migrate.schema_files()
    schema = migrate.SCHEMA_DIR
    assert schema / "baseline.sql" in files
    assert set(schema.glob("functions/*.sql")) | set(schema.glob("triggers/*.sql")) <= set(files)
    assert set(migrate.MIGRATIONS_DIR.glob("*.sql")) <= set(files)
    before = db_templates.migrated_key()
    one_of_each = (schema / "functions" / "membership_is_current.sql", schema / "triggers" / "audit_log_no_update.sql")
    for dropped in one_of_each:
        monkeypatch.setattr(db_templates, "schema_files", lambda d=dropped: [f for f in files if f != d])
        assert db_templates.migrated_key() != before


def _meaning_with(monkeypatch, target: Path, extra: str) -> None:
    """``python_meaning`` as if ``target`` ended with ``extra``."""
    real = db_templates.python_meaning
    text = target.read_text(encoding="utf-8") + extra
    monkeypatch.setattr(db_templates, "python_meaning", lambda p: real(p, text if p == target else None))


@pytest.mark.parametrize(
    "module", ["ingest/practices.py", "db/repositories/imports_networks.py", "demo/generator.py", "db/migrate.py"]
)
def test_a_code_change_in_a_builder_rebuilds_and_a_layout_change_does_not(monkeypatch, tmp_path, module):
    """Templates are keyed on what builds them: a changed statement in any module a builder imports gives a new key;
    a comment, a reworded docstring or a reformatting (``ruff format``) keeps it."""
    target = db_templates.PACKAGE / module

    def keys() -> tuple[str, str, str]:
        return (
            db_templates.bundles_key(["england_2019-20.toml"], tmp_path),
            db_templates.bundles_key(["demo", "england_2019-20.toml"], tmp_path),
            db_templates.demo_key(),
        )

    before = keys()
    with monkeypatch.context() as m:
        _meaning_with(m, target, "\n\n# a comment\nBUILD_NOTE = None  # moved\n")
        changed = keys()
    with monkeypatch.context() as m:
        _meaning_with(m, target, "\n\n\n# only a comment\n")
        assert keys() == before
    builds = {
        "ingest": (0, 1),
        "db/repositories/imports_networks.py": (0, 1),
        "demo": (1, 2),
        "db/migrate.py": (0, 1, 2),
    }
    which = next(v for k, v in builds.items() if module.startswith(k))
    assert all(changed[i] != before[i] for i in which), (module, which)


def test_python_meaning_ignores_layout_and_the_app_factory_body(monkeypatch, tmp_path):
    one = tmp_path / "one.py"
    one.write_text('"""Doc."""\n\ndef f(x):\n    """Say."""\n    return x + 1  # add\n')
    two = tmp_path / "two.py"
    two.write_text('"""Other doc."""\ndef f(x):\n    return (x\n            + 1)\n')
    three = tmp_path / "three.py"
    three.write_text("def f(x):\n    return x + 2\n")
    meaning = db_templates.python_meaning
    assert meaning(one) == meaning(two) != meaning(three)
    # The top package's __init__ (the app factory): what runs at import counts, its functions' bodies do not.
    monkeypatch.setattr(db_templates, "PACKAGE", tmp_path)
    init = tmp_path / "__init__.py"
    init.write_text("import logging\n\ndef create_app(config=None):\n    return 1\n")
    first = meaning(init)
    init.write_text("import logging\n\ndef create_app(config=None):\n    x = 2\n    return x\n")
    assert meaning(init) == first
    init.write_text("import logging\nlogging.basicConfig()\n\ndef create_app(config=None):\n    return 1\n")
    assert meaning(init) != first


def test_web_and_plan_modules_do_not_shape_templates():
    """A change to a route, a page or a plan use case (plans/sharing.py rebuilt every template once) keeps them."""
    closure = {
        p.relative_to(db_templates.PACKAGE).as_posix()
        for p in db_templates.module_closure(
            "geo_service.db.migrate", "geo_service.demo.load", "geo_service.ingest.bundle"
        )
    }
    assert not {p for p in closure if p.startswith(("web/", "plans/", "exports/", "maps/", "analysis/"))}, closure


def test_a_template_with_a_result_is_computed_once_and_again_when_its_result_is_lost(templates, template_db):
    """An England-sized computation kept as a template (e.g. derived territories) hands back what its build returned
    without building again; if the kept result is lost, the template is built again rather than used without it."""
    kind = f"harness_kept_{db_templates.worker_id()}_{os.getpid()}"
    calls: list[str] = []

    def build(url: str) -> dict:
        calls.append(url)
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE kept_here (n int)")
            cur.execute("INSERT INTO kept_here VALUES (%s)", (len(calls),))
        conn.close()
        return {"built": len(calls)}

    try:
        name, result = templates.template_with_result(kind, "k1", build, source=template_db)
        assert (result, len(calls)) == ({"built": 1}, 1)
        assert templates.template_with_result(kind, "k1", build, source=template_db) == (name, {"built": 1})
        assert len(calls) == 1  # kept: not built again
        (templates.lock_dir / f"{name}.pickle").unlink()
        assert templates.template_with_result(kind, "k1", build, source=template_db) == (name, {"built": 2})
        with psycopg2.connect(db_templates.clone(templates.maintenance_url, name, f"{name}_c")) as conn:
            with conn.cursor() as cur:
                cur.execute("SELECT n FROM kept_here")
                assert cur.fetchall() == [(2,)]  # the database and its result come from the same build
        conn.close()
        other, result = templates.template_with_result(kind, "k2", build, source=template_db)
        assert result == {"built": 3} and not templates.exists(name)  # a new key replaces the stale one
        assert not (templates.lock_dir / f"{name}.pickle").exists()
    finally:
        db_templates.drop_all(templates.maintenance_url, f"{templates.prefix}_t_{kind}")  # the clone too


def test_a_template_is_analysed_when_built_so_its_copies_plan_for_its_rows(templates, template_db):
    """A copy starts with its template's statistics and no changes of its own, so autovacuum never analyses it: a
    template must carry statistics for what its build wrote (db_templates._vacuum_analyze)."""
    kind = f"harness_stats_{db_templates.worker_id()}_{os.getpid()}"

    def build(url: str) -> None:
        with psycopg2.connect(url) as conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE filled_here AS SELECT i FROM generate_series(1, 5000) i")
        conn.close()

    try:
        name = templates.template(kind, "k1", build, source=template_db)
        with psycopg2.connect(db_templates.clone(templates.maintenance_url, name, f"{name}_c")) as conn:
            with conn.cursor() as cur:
                cur.execute("SELECT reltuples FROM pg_class WHERE relname = 'filled_here'")
                assert cur.fetchone()[0] == 5000
                cur.execute("SELECT count(*) FROM pg_stats WHERE tablename = 'filled_here'")
                assert cur.fetchone()[0] == 1
        conn.close()
    finally:
        db_templates.drop_all(templates.maintenance_url, f"{templates.prefix}_t_{kind}")


def test_background_builders_share_the_real_templates_by_their_cost():
    from tests.fixtures_real import BUILDS, shares

    every = set(BUILDS)
    one, two = shares(every, 2)
    assert set(one) | set(two) == every - {"england_2022"}  # built as the first step of all_new_old
    assert not set(one) & set(two)
    assert abs(sum(BUILDS[k][1] for k in one) - sum(BUILDS[k][1] for k in two)) <= 1
    assert shares({"england_2022", "england_2019"}, 2) == [["england_2019"], ["england_2022"]]
    assert shares(every, 1) == [sorted(every - {"england_2022"}, key=lambda k: (-BUILDS[k][1], k))]


def _tablespace_of(maintenance_url: str, database: str) -> str:
    conn = psycopg2.connect(maintenance_url)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT t.spcname FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace"
                " WHERE d.datname = %(db)s",
                {"db": database},
            )
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_clones_go_in_ram_and_an_earlier_boots_tablespace_is_dropped(
    fresh_db_url, maintenance_url, templates, template_db, tmp_path, monkeypatch
):
    """On the project-local cluster a test's clone lives in the RAM tablespace; one left by an earlier boot is
    dropped with the databases in it (its files went with the RAM) and a new one made."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("clones go in RAM only on the project-local cluster")
    server_data_dir = conftest.LocalCluster(conftest.PROJECT_ROOT).server_data_dir
    refusal = db_templates.ram_refusal(server_data_dir)
    if refusal:  # as in a container's 64 MB /dev/shm: the clones go on disk (ram_tablespace's own refusal is below)
        pytest.skip(f"this machine cannot keep the clones in RAM: {refusal}")
    ram = conftest.clone_tablespace(maintenance_url)
    assert ram and ram.startswith(db_templates.RAM_PREFIX)
    assert _tablespace_of(maintenance_url, fresh_db_url.rsplit("/", 1)[1]) == ram
    # a cluster of its own key (another data directory, same owner), so the run's own tablespace is left alone
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    owner = server_data_dir.stat()
    os.chown(data_dir, owner.st_uid, owner.st_gid)
    monkeypatch.setattr(db_templates, "_boot_id", lambda: "earlierboot")
    earlier = db_templates.ram_tablespace(maintenance_url, data_dir, tmp_path)
    assert earlier and earlier.endswith("_earlierboot")
    name = conftest.db_name("ram_stale")
    db_templates.clone(maintenance_url, template_db, name, earlier)
    assert _tablespace_of(maintenance_url, name) == earlier
    monkeypatch.setattr(db_templates, "RAM_NEEDED", 1 << 62)  # a /dev/shm too small for the clones: none in RAM
    assert db_templates.ram_tablespace(maintenance_url, data_dir, tmp_path) is None
    monkeypatch.setattr(db_templates, "RAM_NEEDED", 0)
    monkeypatch.setattr(db_templates, "_boot_id", lambda: "thisboot")
    # this boot's directory is there already, left by a removed cluster of the same data directory: it is cleared
    key = hashlib.sha256(str(data_dir).encode()).hexdigest()[:8]
    leftover = Path("/dev/shm") / f"geo_service_test_{key}_thisboot"
    (leftover / "PG_15_202209061").mkdir(parents=True)
    now = db_templates.ram_tablespace(maintenance_url, data_dir, tmp_path)
    try:
        assert now and now.endswith("_thisboot")
        assert db_templates.database_names(maintenance_url, name) == []
        conn = psycopg2.connect(maintenance_url)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT spcname FROM pg_tablespace WHERE spcname = %(t)s", {"t": earlier})
                assert cur.fetchall() == []
        finally:
            conn.close()
    finally:
        if now:
            db_templates._execute(maintenance_url, sql.SQL("DROP TABLESPACE {}").format(sql.Identifier(now)))
        for made in Path("/dev/shm").glob(f"geo_service_test_{key}_*"):  # PostgreSQL leaves a tablespace's folder
            shutil.rmtree(made)


class _Item:
    def __init__(self, nodeid: str) -> None:
        self.nodeid = nodeid


def test_costliest_folders_and_modules_run_first_and_each_keeps_its_tests_together():
    from tests.scheduling import ordered

    ids = [
        "tests/a/test_1.py::t1",
        "tests/a/test_2.py::t1",
        "tests/a/test_2.py::t2",
        "tests/b/test_1.py::t1",
        "tests/b/test_2.py::t1",
        "tests/test_top.py::t1",
        "tests/test_new.py::t1",
    ]
    seconds = {
        "tests/a/test_1.py": 1.0,
        "tests/a/test_2.py": 9.0,  # folder a: 10
        "tests/b/test_1.py": 6.0,
        "tests/b/test_2.py": 5.0,  # folder b: 11, tied with test_top.py: ties keep the collected order
        "tests/test_top.py": 11.0,  # a group of its own
    }  # tests/test_new.py is unknown: it counts as the costliest module (11) plus one
    got = [i.nodeid for i in ordered([_Item(n) for n in ids], seconds)]
    assert got == [
        "tests/test_new.py::t1",
        "tests/b/test_1.py::t1",
        "tests/b/test_2.py::t1",
        "tests/test_top.py::t1",
        "tests/a/test_2.py::t1",
        "tests/a/test_2.py::t2",
        "tests/a/test_1.py::t1",
    ]
    assert [i.nodeid for i in ordered([_Item(n) for n in ids], {})] == ids


def test_a_run_records_its_module_seconds_and_the_next_run_puts_the_costliest_first(tmp_path):
    """Two runs of a small suite of its own: the first records every module's seconds in pytest's cache; with
    those seconds set the other way round, the second runs the modules in the new order."""
    import json
    import subprocess
    import sys

    from tests.scheduling import KEY

    for name in ("test_a.py", "test_b.py"):
        (tmp_path / name).write_text("def test_one():\n    pass\n\ndef test_two():\n    pass\n")

    def run() -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "tests.scheduling", "-p", "no:xdist", "-v", "-o", "addopts="],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(conftest.PROJECT_ROOT)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return [line.split(" ")[0] for line in done.stdout.splitlines() if " PASSED" in line]

    assert run() == ["test_a.py::test_one", "test_a.py::test_two", "test_b.py::test_one", "test_b.py::test_two"]
    cache = tmp_path / ".pytest_cache" / "v" / KEY
    assert set(json.loads(cache.read_text())) == {"test_a.py", "test_b.py"}
    cache.write_text(json.dumps({"test_a.py": 1.0, "test_b.py": 9.0}))
    assert run() == ["test_b.py::test_one", "test_b.py::test_two", "test_a.py::test_one", "test_a.py::test_two"]
