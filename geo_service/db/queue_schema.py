"""The job queue's tables (procrastinate, pinned in requirements.txt), made and upgraded by ``geo-service migrate``.

procrastinate ships its whole schema (``SchemaManager.get_schema()``, what ``procrastinate schema --apply`` runs)
and, for databases made by an older version, one SQL file per change in ``sql/migrations`` (named by version, to be
applied in order by the project's own migration tool, as its documentation says). So: on a database without the
queue, apply the schema and record every migration file as applied; afterwards, apply the files not yet recorded
(a version bump of the pin brings its files). Runs inside :func:`geo_service.db.migrate.migrate`'s transaction and
advisory lock, after our numbered migrations (0085 makes ``queue_schema_migrations``).
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def _library() -> tuple[str, str, list[Path]]:
    import procrastinate
    from procrastinate.schema import SchemaManager

    version = getattr(procrastinate, "__version__", None) or _dist_version()
    files = sorted(Path(SchemaManager.get_migrations_path()).glob("*.sql"))
    return version, SchemaManager.get_schema(), files


def _dist_version() -> str:
    from importlib.metadata import version

    return version("procrastinate")


def apply(cur) -> list[str]:
    """Bring the queue's tables to the pinned version; the names applied (empty when up to date)."""
    cur.execute("SELECT to_regclass('queue_schema_migrations') IS NOT NULL")
    if not cur.fetchone()[0]:
        return []  # migrating to a version before 0085 (tests of old migrations)
    version, schema, files = _library()
    cur.execute("SELECT name FROM queue_schema_migrations")
    done = {r[0] for r in cur.fetchall()}
    cur.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
    if not cur.fetchone()[0]:
        log.info("applying the job queue's schema (procrastinate %s)", version)
        cur.execute(schema)
        names = [f"schema.sql {version}"] + [f.name for f in files]
        cur.executemany("INSERT INTO queue_schema_migrations (name) VALUES (%s) ON CONFLICT DO NOTHING",
                        [(n,) for n in names])  # fmt: skip
        return [names[0]]
    applied = []
    for f in files:
        if f.name in done:
            continue
        log.info("applying the job queue's migration %s", f.name)
        cur.execute(f.read_text(encoding="utf-8"))
        cur.execute("INSERT INTO queue_schema_migrations (name) VALUES (%s)", (f.name,))
        applied.append(f.name)
    return applied
