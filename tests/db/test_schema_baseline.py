"""Schema as code (issue 24): the baseline, function and trigger files, and the upgrade of a database the old
migrations 0001…0070 made (tests/fixtures/db_at_0070.sql) to the same schema as a fresh one."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import psycopg2
import pytest

from geo_service.db import migrate as migrate_mod
from geo_service.db.admin import create_database_if_missing, drop_database, with_database
from geo_service.errors import SetupError
from tests.conftest import db_name

OLD_STATE = Path(__file__).parents[1] / "fixtures" / "db_at_0070.sql"

# The schema as the catalog holds it: every table's columns, constraints, indexes, sequences and comments, every
# function's definition and every trigger's, in the public schema, leaving out what the postgis extension owns.
CATALOG = {
    "columns": """
        SELECT c.relname, c.relkind::text, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull::text,
               coalesce(pg_get_expr(d.adbin, d.adrelid), ''), coalesce(pg_get_expr(c.relpartbound, c.oid), ''),
               coalesce(pg_get_partkeydef(c.oid), '')
          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
          LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
           AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.objid = c.oid AND x.deptype = 'e')""",
    "constraints": """
        SELECT t.relname, k.conname, pg_get_constraintdef(k.oid)
          FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = 'public'
           AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.objid = t.oid AND x.deptype = 'e')""",
    "indexes": """
        SELECT i.tablename, i.indexname, i.indexdef FROM pg_indexes i
         WHERE i.schemaname = 'public' AND i.tablename <> 'spatial_ref_sys'""",
    "sequences": """
        SELECT s.sequencename, s.data_type::text, s.start_value, s.increment_by, s.cycle::text
          FROM pg_sequences s WHERE s.schemaname = 'public'""",
    "comments": """
        SELECT c.relname, d.objsubid, d.description FROM pg_description d JOIN pg_class c ON c.oid = d.objoid
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE d.classoid = 'pg_class'::regclass AND n.nspname = 'public'
           AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.objid = c.oid AND x.deptype = 'e')""",
    "functions": """
        SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)
          FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
         WHERE n.nspname = 'public'
           AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.objid = p.oid AND x.deptype = 'e')""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled::text
          FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal""",
    "extensions": "SELECT e.extname FROM pg_extension e",
    "migrations": "SELECT version, name, checksum FROM schema_migrations",
    "schema_objects": "SELECT kind, name, checksum FROM schema_objects",
    "seed": "SELECT id::text, version::text, shared_version::text FROM data_version",
}


def catalog(url: str) -> dict[str, list[tuple]]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            out = {}
            for part, query in CATALOG.items():
                if part in ("migrations", "schema_objects"):  # the runner's own tables, when it has made them
                    cur.execute("SELECT to_regclass(%(t)s) IS NOT NULL", {"t": query.rsplit(" ", 1)[1]})
                    if not cur.fetchone()[0]:
                        continue
                cur.execute(query)
                out[part] = sorted(cur.fetchall())
            return out
    finally:
        conn.close()


@pytest.fixture
def empty_db(maintenance_url):
    made = []

    def make(suffix: str) -> str:
        name = db_name(f"schema_{suffix}")
        drop_database(maintenance_url, name)
        create_database_if_missing(maintenance_url, name)
        made.append(name)
        return with_database(maintenance_url, name)

    yield make
    for name in made:
        drop_database(maintenance_url, name)


def _run(url: str, statements: str) -> None:
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(statements)
    finally:
        conn.close()


def _old_database(make) -> str:
    url = make("at_0070")
    _run(url, OLD_STATE.read_text())
    return url


def test_fresh_and_upgraded_databases_have_the_same_catalog(empty_db):
    fresh = empty_db("fresh")
    applied = migrate_mod.migrate(fresh)
    assert applied[0] == "0075_baseline"
    old = _old_database(empty_db)
    before = catalog(old)
    assert before["migrations"][-1][:2] == (70, "practice_profiles") and len(before["migrations"]) == 24
    upgraded = migrate_mod.migrate(old)
    assert upgraded[0] == "0075_baseline (recorded: the database was at 0070)"
    want, got = catalog(fresh), catalog(old)
    for part in CATALOG:
        assert got[part] == want[part], part
    numbered = sorted((int(f.name[:4]), f.stem[5:]) for f in migrate_mod.MIGRATIONS_DIR.glob("[0-9]*.sql"))
    assert [r[:2] for r in got["migrations"]] == [(75, "baseline"), *numbered]
    # Every function and trigger of the old schema is still there (with its current body, or a newer one).
    assert {r[:2] for r in before["functions"]} <= {r[:2] for r in got["functions"]}
    assert {r[:2] for r in before["triggers"]} <= {r[:2] for r in got["triggers"]}
    assert migrate_mod.migrate(old) == [] and migrate_mod.migrate(fresh) == []


def test_the_baseline_holds_no_function_or_trigger(empty_db):
    url = empty_db("bare")
    _run(url, migrate_mod.baseline().sql)
    parts = catalog(url)
    assert parts["functions"] == [] and parts["triggers"] == []
    assert parts["seed"] == [("true", "1", "1")]


def test_a_database_part_way_through_the_old_migrations_is_refused(empty_db):
    url = empty_db("part_way")
    _run(
        url,
        "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now());"
        " INSERT INTO schema_migrations (version, name, checksum) VALUES (1, 'initial_schema', 'x'),"
        " (2, 'import_lookups', 'x'), (10, 'analysis_derived', 'x')",
    )
    with pytest.raises(SetupError, match="at migration 0010, older than the baseline"):
        migrate_mod.migrate(url)


def test_an_unknown_database_is_refused(empty_db):
    url = empty_db("unknown")
    _run(url, "CREATE TABLE someone_elses (id integer)")
    with pytest.raises(SetupError, match=r"holds tables \(someone_elses"):
        migrate_mod.migrate(url)


@pytest.fixture
def schema_copy(tmp_path, monkeypatch):
    """The schema files and the numbered migrations, copied where the test may edit them."""
    schema = tmp_path / "schema"
    shutil.copytree(migrate_mod.SCHEMA_DIR, schema)
    migrations = tmp_path / "migrations"
    shutil.copytree(migrate_mod.MIGRATIONS_DIR, migrations)
    monkeypatch.setattr(migrate_mod, "SCHEMA_DIR", schema)
    monkeypatch.setattr(migrate_mod, "MIGRATIONS_DIR", migrations)
    return tmp_path


def _value(url: str, query: str):
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(query)
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_a_changed_function_or_trigger_file_is_applied_again_alone(fresh_db_url, schema_copy):
    url = fresh_db_url  # a clone of the migrated template: what migrate() makes of an empty database (checked above)
    assert migrate_mod.migrate(url) == []
    limit = schema_copy / "schema" / "functions" / "scope_state_incremental_limit.sql"
    limit.write_text(limit.read_text().replace("SELECT 2000", "SELECT 2001"))
    trigger = schema_copy / "schema" / "triggers" / "audit_log_no_update.sql"
    trigger.write_text(trigger.read_text().replace("BEFORE DELETE OR UPDATE", "BEFORE UPDATE"))
    assert migrate_mod.migrate(url) == ["function scope_state_incremental_limit", "trigger audit_log_no_update"]
    assert _value(url, "SELECT scope_state_incremental_limit()") == 2001
    definition = "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname = 'audit_log_no_update'"
    assert "BEFORE UPDATE ON" in _value(url, definition)
    assert migrate_mod.migrate(url) == []


def test_functions_apply_in_dependency_order_and_after_the_tables_they_need(fresh_db_url, schema_copy):
    """A new SQL function calling another defined later in name order, returning rows of a table that a pending
    numbered migration makes, and a trigger on that table: one run applies them all."""
    url = fresh_db_url  # a clone of the migrated template
    assert migrate_mod.migrate(url) == []
    functions = schema_copy / "schema" / "functions"
    (functions / "aa_outer.sql").write_text(
        "CREATE OR REPLACE FUNCTION aa_outer() RETURNS SETOF zz_table LANGUAGE sql STABLE AS $$"
        " SELECT * FROM zz_table WHERE id > zz_inner() $$;"
    )
    (functions / "zz_inner.sql").write_text(
        "CREATE OR REPLACE FUNCTION zz_inner() RETURNS integer LANGUAGE sql IMMUTABLE AS $$ SELECT 1 $$;"
    )
    (schema_copy / "schema" / "triggers" / "zz_table_version_ins.sql").write_text(
        "CREATE OR REPLACE TRIGGER zz_table_version_ins AFTER INSERT ON zz_table REFERENCING NEW TABLE AS changed"
        " FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version();"
    )
    (schema_copy / "migrations" / "9001_zz_table.sql").write_text(
        "CREATE TABLE zz_table (id integer PRIMARY KEY);"
        # the old style: a function defined in a numbered migration still works
        " CREATE OR REPLACE FUNCTION zz_old_style() RETURNS integer LANGUAGE sql AS $$ SELECT 80 $$;"
    )
    applied = migrate_mod.migrate(url)
    assert applied == [
        "function zz_inner",
        "9001_zz_table",
        "function aa_outer",
        "trigger zz_table_version_ins",
    ]
    before = _value(url, "SELECT version FROM data_version")
    _run(url, "INSERT INTO zz_table VALUES (1), (2)")
    assert _value(url, "SELECT count(*) FROM aa_outer()") == 1
    assert _value(url, "SELECT zz_old_style()") == 80
    assert _value(url, "SELECT version FROM data_version") == before + 1


def test_a_function_file_that_does_not_apply_names_itself(empty_db, schema_copy):
    url = empty_db("broken")
    (schema_copy / "schema" / "functions" / "broken.sql").write_text(
        "CREATE OR REPLACE FUNCTION broken() RETURNS integer LANGUAGE sql AS $$ SELECT no_such_column $$;"
    )
    with pytest.raises(SetupError, match=r"schema/functions/broken.sql does not apply: column \"no_such_column\""):
        migrate_mod.migrate(url)


def test_migrations_numbered_at_or_before_the_baseline_are_refused(schema_copy):
    (schema_copy / "migrations" / "0070_late.sql").write_text("SELECT 1;")
    with pytest.raises(SetupError, match="0070_late.sql is numbered at or before the baseline"):
        migrate_mod.available()


# ---- the kept state's partitions --------------------------------------------------------------------------------


PARTITIONS = r"SELECT relname FROM pg_class WHERE relname ~ '^scenario_(members|practice_state)_\d+$' ORDER BY 1"


def _partitions(url: str) -> list[str]:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(PARTITIONS)
            return [r[0] for r in cur.fetchall()]
    finally:
        conn.close()


def test_deleting_a_scenario_drops_its_partitions(fresh_db_url):
    _run(
        fresh_db_url,
        """INSERT INTO practices (id, ods_code) VALUES (1, 'A00001');
           INSERT INTO scenarios (id, slug, name, as_of) VALUES (101, 'one', 'One', '2020-01-01'),
                                                                (102, 'two', 'Two', '2020-01-01');
           INSERT INTO networks (id, scenario_id, code, name) VALUES (1, 101, 'U1', 'N1'), (2, 102, 'U2', 'N2');
           INSERT INTO memberships (scenario_id, network_id, practice_id) VALUES (101, 1, 1), (102, 2, 1);""",
    )
    assert _partitions(fresh_db_url) == [
        "scenario_members_101",
        "scenario_members_102",
        "scenario_practice_state_101",
        "scenario_practice_state_102",
    ]
    assert _value(fresh_db_url, "SELECT count(*) FROM scenario_members_101") == 1
    _run(fresh_db_url, "DELETE FROM scenarios WHERE id = 101")
    assert _partitions(fresh_db_url) == ["scenario_members_102", "scenario_practice_state_102"]
    assert _value(fresh_db_url, "SELECT count(*) FROM scenario_members WHERE scenario_id = 102") == 1
    _run(fresh_db_url, "DELETE FROM scenarios")
    assert _partitions(fresh_db_url) == []
    assert _value(fresh_db_url, "SELECT count(*) FROM scenario_members") == 0


def test_numbered_migrations_leave_functions_and_triggers_to_their_files():
    """The current body of a function lives in one place: schema/functions/<name>.sql (and a trigger in
    schema/triggers/<name>.sql). A migration written in the old style still applies, but its functions and triggers
    are to be moved into files (geo_service/db/README.md)."""
    defines = re.compile(r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(FUNCTION|TRIGGER)\s+(?:public\.)?(\w+)", re.I)
    found = [
        f"{mig.label}: {kind.lower()} {name} -> schema/{kind.lower()}s/{name}.sql"
        for mig in migrate_mod.available()
        for kind, name in defines.findall(mig.sql)
    ]
    assert found == []


def test_every_function_and_trigger_file_defines_what_it_is_named():
    for kind in ("function", "trigger"):
        for obj in migrate_mod.schema_objects(kind):
            head = re.search(rf"^CREATE OR REPLACE {kind.upper()} (\w+)", obj.sql, re.M)
            assert head and head.group(1) == obj.name, f"schema/{kind}s/{obj.name}.sql"
            assert len(re.findall(rf"^CREATE OR REPLACE {kind.upper()} ", obj.sql, re.M)) == 1, obj.name
