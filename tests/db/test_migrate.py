import shutil
from pathlib import Path

import psycopg2
import pytest

from geo_service.db import migrate as migrate_mod
from geo_service.db.admin import create_database_if_missing, drop_database, with_database
from geo_service.errors import SetupError
from tests.conftest import db_name

TABLES = {
    "data_version",
    "extracts",
    "boundary_sets",
    "areas",
    "practices",
    "practice_register",
    "practice_list_sizes",
    "postcode_points",
    "scenarios",
    "networks",
    "memberships",
}


def _tables(url):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        return {r[0] for r in cur.fetchall()}


@pytest.fixture
def empty_db_url(maintenance_url):
    name = db_name("empty_migrate")
    drop_database(maintenance_url, name)
    create_database_if_missing(maintenance_url, name)
    yield with_database(maintenance_url, name)
    drop_database(maintenance_url, name)


def test_migrations_apply_from_empty_and_are_idempotent(empty_db_url):
    assert not TABLES & _tables(empty_db_url)
    applied = migrate_mod.migrate(empty_db_url)
    assert applied[0] == "0075_baseline"
    queue = [a for a in applied if a.startswith("queue: ")]  # the job queue's schema, from the pinned library
    assert len(queue) == 1 and queue[0].startswith("queue: schema.sql ") and applied[-1] == queue[0]
    applied = applied[:-1]
    functions, triggers = migrate_mod.schema_objects("function"), migrate_mod.schema_objects("trigger")
    assert len(applied) == 1 + len(migrate_mod.available()) + len(functions) + len(triggers)
    assert TABLES <= _tables(empty_db_url)
    assert migrate_mod.migrate(empty_db_url) == []
    with psycopg2.connect(empty_db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM schema_migrations")
        assert cur.fetchone()[0] == 1 + len(migrate_mod.available())
        cur.execute("SELECT count(*) FROM schema_objects")
        assert cur.fetchone()[0] == len(functions) + len(triggers)
        cur.execute("SELECT Find_SRID('public', 'areas', 'geom'), Find_SRID('public', 'postcode_points', 'geom')")
        assert cur.fetchone() == (4326, 4326)


def test_edited_migration_is_refused(fresh_db_url, tmp_path, monkeypatch):
    """From a migrated database (a clone of the migrated template: what migrate() makes of an empty one, checked
    above), a new migration is applied and then refused once edited."""
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate_mod.MIGRATIONS_DIR, migrations)
    monkeypatch.setattr(migrate_mod, "MIGRATIONS_DIR", migrations)
    added = migrations / "9001_added.sql"
    added.write_text("CREATE TABLE added (id integer);")
    assert migrate_mod.migrate(fresh_db_url) == ["9001_added"]
    added.write_text(added.read_text() + "\n-- edited\n")
    with pytest.raises(SetupError, match="9001_added was edited after it was applied"):
        migrate_mod.migrate(fresh_db_url)


def test_edited_baseline_is_refused(fresh_db_url, tmp_path, monkeypatch):
    assert migrate_mod.migrate(fresh_db_url) == []  # a clone of the migrated template
    schema = tmp_path / "schema"
    shutil.copytree(migrate_mod.SCHEMA_DIR, schema)
    (schema / "baseline.sql").write_text((schema / "baseline.sql").read_text() + "\n-- edited\n")
    monkeypatch.setattr(migrate_mod, "SCHEMA_DIR", schema)
    with pytest.raises(SetupError, match="baseline.sql was edited after it was applied"):
        migrate_mod.migrate(fresh_db_url)


def test_data_version_bumps_once_per_changing_transaction(fresh_db):
    def version():
        with fresh_db.connection() as conn, conn.cursor() as cur:
            cur.execute("SELECT version FROM data_version")
            return cur.fetchone()[0]

    before = version()
    with fresh_db.connection() as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO practices (ods_code) VALUES ('A1'), ('A2')")
        cur.execute("UPDATE practices SET ods_code = ods_code || '!'")
    assert version() == before + 1
    with fresh_db.connection() as conn, conn.cursor() as cur:
        cur.execute("UPDATE practices SET ods_code = 'x' WHERE false")  # changes nothing
    assert version() == before + 1


def test_the_job_queue_schema_is_applied_once_and_its_later_migrations_in_order(empty_db_url, tmp_path, monkeypatch):
    """Issue 22: `migrate` makes procrastinate's tables from the pinned library, records every migration file of
    it as applied, and later applies only files it has not recorded (what a version bump of the pin brings)."""
    from procrastinate.schema import SchemaManager

    from geo_service.db import queue_schema

    migrate_mod.migrate(empty_db_url)
    shipped = sorted(p.name for p in Path(SchemaManager.get_migrations_path()).glob("*.sql"))
    with psycopg2.connect(empty_db_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT name FROM queue_schema_migrations WHERE name NOT LIKE 'schema.sql %' ORDER BY name")
        assert [r[0] for r in cur.fetchall()] == shipped
        cur.execute(
            "SELECT to_regclass('procrastinate_jobs') IS NOT NULL, to_regclass('procrastinate_workers') IS NOT NULL"
        )
        assert cur.fetchone() == (True, True)
    newer = tmp_path / "99.00.00_01_pretend_newer.sql"
    newer.write_text("CREATE TABLE queue_pretend_newer (id int);")
    real = queue_schema._library
    monkeypatch.setattr(queue_schema, "_library", lambda: (*real()[:2], [*real()[2], newer]))
    assert migrate_mod.migrate(empty_db_url) == ["queue: 99.00.00_01_pretend_newer.sql"]
    assert migrate_mod.migrate(empty_db_url) == []
    assert "queue_pretend_newer" in _tables(empty_db_url)
