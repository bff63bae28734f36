"""Schema migrations: a baseline, numbered migrations after it, and SQL functions and triggers kept as code.

``schema/baseline.sql``          tables, sequences, constraints, indexes and seed rows as migrations 0001…0070 left
                                 them; applied once, to an empty database, and recorded as version 0075.
``migrations/NNNN_name.sql``     schema changes after the baseline (NNNN > 0075), applied in order, once each.
``schema/functions/<name>.sql``  one SQL function per file, its current body (``CREATE OR REPLACE FUNCTION``).
``schema/triggers/<name>.sql``   one trigger per file (``CREATE OR REPLACE TRIGGER``).

Applied versions are recorded in ``schema_migrations`` with a checksum; an edited, already-applied file is refused
rather than silently skipped. Function and trigger files are "repeatable" (Flyway's ``R__`` files): their checksums
are kept in ``schema_objects`` and a file is applied again whenever its checksum differs from the one recorded.

One run, in one transaction (under an advisory lock, so concurrent runs are safe):

1. an empty database gets the baseline; a database the old migrations 0001…0070 made (all 24 of them recorded in
   ``schema_migrations``, the same tables) has the baseline recorded as applied in their place; a database part
   way through the old migrations is refused (migrate it with a checkout from before the baseline first);
2. changed function files are applied (in dependency order: one that fails for want of another function, or of a
   table a pending migration makes, is tried again after the others and after the migrations);
3. pending numbered migrations, in order;
4. changed trigger files, after every function and table they name exists.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import psycopg2.errors

from geo_service.db import queue_schema
from geo_service.errors import SetupError

log = logging.getLogger(__name__)

DB_DIR = Path(__file__).parent
MIGRATIONS_DIR = DB_DIR / "migrations"
SCHEMA_DIR = DB_DIR / "schema"
BASELINE_VERSION = 75
BASELINE_NAME = "baseline"
# The migrations squashed into the baseline: a database that recorded every one of them is at the baseline.
OLD_VERSIONS = frozenset({1, 2, 10, 11, 12, 20, 30, 31, 39, 40, 41, 45, 46, 47, 48, 49, 50, 51, 55, 56, 57, 60, 65, 70})
_LOCK_KEY = 727_001  # arbitrary, constant advisory-lock key for migrations
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_OBJECT_NAME = re.compile(r"^([a-z0-9_]+)\.sql$")
_DEFINES_FUNCTION = re.compile(r"\bCREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+(?:public\.)?([a-z0-9_]+)\s*\(", re.I)


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return _checksum(self.sql)

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


@dataclass(frozen=True)
class SchemaObject:
    """A function or trigger file: applied again whenever its checksum changes."""

    kind: str  # 'function' or 'trigger'
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return _checksum(self.sql)


def baseline() -> Migration:
    return Migration(BASELINE_VERSION, BASELINE_NAME, (SCHEMA_DIR / "baseline.sql").read_text())


def available() -> list[Migration]:
    """The numbered migrations after the baseline, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise SetupError(f"migration file name not understood: {path.name} (want NNNN_name.sql)")
        version = int(m.group(1))
        if version <= BASELINE_VERSION:
            raise SetupError(
                f"migration {path.name} is numbered at or before the baseline ({BASELINE_VERSION:04d}); "
                f"number it after {BASELINE_VERSION:04d}"
            )
        found.append(Migration(version, m.group(2), path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise SetupError("two migration files share a version number")
    return found


def schema_objects(kind: str) -> list[SchemaObject]:
    """The function (``kind='function'``) or trigger files, by name."""
    found = []
    for path in sorted((SCHEMA_DIR / f"{kind}s").glob("*.sql")):
        m = _OBJECT_NAME.match(path.name)
        if not m:
            raise SetupError(f"{kind} file name not understood: {path.name} (want <name>.sql, lower case)")
        found.append(SchemaObject(kind, m.group(1), path.read_text()))
    return found


def schema_files() -> list[Path]:
    """Every file that shapes the schema (for fingerprints such as the test templates' names)."""
    return sorted([*SCHEMA_DIR.rglob("*.sql"), *MIGRATIONS_DIR.glob("*.sql")])


# ---- the run ------------------------------------------------------------------------------------------------------


def _user_tables(cur) -> set[str]:
    cur.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
        " AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"
        " AND c.relname NOT IN ('schema_migrations', 'schema_objects')"
    )
    return {r[0] for r in cur.fetchall()}


def _record(cur, mig: Migration) -> None:
    cur.execute(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%(v)s, %(n)s, %(c)s)",
        {"v": mig.version, "n": mig.name, "c": mig.checksum},
    )


def _start(cur, done: dict[int, str]) -> list[str]:
    """Step 1: the baseline on an empty database, or recorded on one the old migrations made."""
    base = baseline()
    if BASELINE_VERSION in done:
        if done[BASELINE_VERSION] != base.checksum:
            raise SetupError(
                "schema/baseline.sql was edited after it was applied; change the schema with a new migration instead"
            )
        return []
    old = OLD_VERSIONS & set(done)
    if old == OLD_VERSIONS:
        log.info("database made by migrations 0001…0070: recording the baseline in their place")
        cur.execute("DELETE FROM schema_migrations WHERE version = ANY (%(v)s)", {"v": sorted(OLD_VERSIONS)})
        _record(cur, base)
        return [f"{base.label} (recorded: the database was at 0070)"]
    if old:
        raise SetupError(
            f"this database is at migration {max(old):04d}, older than the baseline (0070); migrate it with a "
            "checkout from before issue 24 (git log -- geo_service/db/migrations/0070_practice_profiles.sql) first, "
            "or start it again empty"
        )
    tables = _user_tables(cur)
    if tables:
        raise SetupError(
            f"this database holds tables ({', '.join(sorted(tables)[:5])}…) but no record of the baseline; "
            "migrate only an empty database or one made by these migrations"
        )
    log.info("applying the baseline")
    cur.execute(base.sql)
    _record(cur, base)
    return [base.label]


def _apply_objects(cur, objects: list[SchemaObject], recorded: dict, strict: bool) -> list[SchemaObject]:
    """Apply ``objects``, each under a savepoint, trying again while any succeeds (dependency order). The ones
    that still fail are returned, or (``strict``) the first failure is raised."""
    pending = list(objects)
    while pending:
        failed: list[tuple[SchemaObject, Exception]] = []
        for obj in pending:
            cur.execute("SAVEPOINT schema_object")
            try:
                cur.execute(obj.sql)
            except psycopg2.Error as exc:
                cur.execute("ROLLBACK TO SAVEPOINT schema_object")
                failed.append((obj, exc))
                continue
            cur.execute("RELEASE SAVEPOINT schema_object")
            cur.execute(
                "INSERT INTO schema_objects (kind, name, checksum) VALUES (%(k)s, %(n)s, %(c)s)"
                " ON CONFLICT (kind, name) DO UPDATE SET checksum = excluded.checksum, applied_at = now()",
                {"k": obj.kind, "n": obj.name, "c": obj.checksum},
            )
            recorded[(obj.kind, obj.name)] = obj.checksum
            log.info("applied %s %s", obj.kind, obj.name)
        if len(failed) == len(pending):
            if strict:
                obj, exc = failed[0]
                raise SetupError(f"schema/{obj.kind}s/{obj.name}.sql does not apply: {exc}".strip()) from exc
            return [obj for obj, _ in failed]
        pending = [obj for obj, _ in failed]
    return []


def _changed(objects: list[SchemaObject], recorded: dict) -> list[SchemaObject]:
    return [o for o in objects if recorded.get((o.kind, o.name)) != o.checksum]


def _warn_redefined(mig: Migration, functions: list[SchemaObject]) -> None:
    """A numbered migration that (re)defines a function kept in a file: the file is where its body belongs."""
    kept = {f.name for f in functions}
    for name in sorted(set(_DEFINES_FUNCTION.findall(mig.sql)) & kept):
        log.warning(
            "migration %s redefines function %s, which lives in schema/functions/%s.sql: move the body there",
            mig.label,
            name,
            name,
        )


def migrate(url: str) -> list[str]:
    """Bring the database to the schema of these files. Returns what was applied (empty when up to date)."""
    conn = psycopg2.connect(url, connect_timeout=10)
    applied_now: list[str] = []
    try:
        with conn:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%(k)s)", {"k": _LOCK_KEY})
                cur.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())"
                )
                cur.execute(
                    "CREATE TABLE IF NOT EXISTS schema_objects ("
                    " kind text NOT NULL CHECK (kind IN ('function', 'trigger')), name text NOT NULL,"
                    " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),"
                    " PRIMARY KEY (kind, name))"
                )
                cur.execute("SELECT version, checksum FROM schema_migrations")
                done = dict(cur.fetchall())
                cur.execute("SELECT kind, name, checksum FROM schema_objects")
                recorded = {(k, n): c for k, n, c in cur.fetchall()}
                functions, triggers = schema_objects("function"), schema_objects("trigger")

                applied_now += _start(cur, done)
                changed = _changed(functions, recorded)
                later = _apply_objects(cur, changed, recorded, strict=False)
                applied_now += [f"function {f.name}" for f in changed if f not in later]
                for mig in available():
                    if mig.version in done:
                        if done[mig.version] != mig.checksum:
                            raise SetupError(
                                f"migration {mig.label} was edited after it was applied; add a new migration instead"
                            )
                        continue
                    _warn_redefined(mig, functions)
                    log.info("applying migration %s", mig.label)
                    cur.execute(mig.sql)
                    _record(cur, mig)
                    applied_now.append(mig.label)
                _apply_objects(cur, later, recorded, strict=True)
                applied_now += [f"function {f.name}" for f in later]
                changed = _changed(triggers, recorded)
                _apply_objects(cur, changed, recorded, strict=True)
                applied_now += [f"trigger {t.name}" for t in changed]
                for kind, name in sorted(set(recorded) - {(o.kind, o.name) for o in (*functions, *triggers)}):
                    log.warning(
                        "%s %s has no file any more: drop it in a numbered migration (its record stays)", kind, name
                    )
                # the job queue's own tables, from the pinned library (issue 22)
                applied_now.extend(f"queue: {name}" for name in queue_schema.apply(cur))
    finally:
        conn.close()
    return applied_now
