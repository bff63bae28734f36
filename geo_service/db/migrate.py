"""Schema migrations: numbered SQL files in ``migrations/``, applied in order, once each.

Applied versions are recorded in ``schema_migrations`` with a checksum; an edited,
already-applied file is refused rather than silently skipped. A transaction-level
advisory lock makes concurrent ``migrate`` runs (several app processes) safe.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg2

from geo_service.errors import SetupError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_LOCK_KEY = 727_001  # arbitrary, constant advisory-lock key for migrations
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available() -> list[Migration]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise SetupError(f"migration file name not understood: {path.name} (want NNNN_name.sql)")
        found.append(Migration(int(m.group(1)), m.group(2), path.read_text()))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise SetupError("two migration files share a version number")
    return found


def migrate(url: str, up_to: int | None = None) -> list[str]:
    """Apply pending migrations (those numbered at most ``up_to``, if given). Returns the names applied
    (empty when up to date)."""
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
                cur.execute("SELECT version, checksum FROM schema_migrations")
                done = dict(cur.fetchall())
                for mig in available():
                    if up_to is not None and mig.version > up_to:
                        break
                    if mig.version in done:
                        if done[mig.version] != mig.checksum:
                            raise SetupError(
                                f"migration {mig.version:04d}_{mig.name} was edited after it was applied; "
                                "add a new migration instead"
                            )
                        continue
                    log.info("applying migration %04d_%s", mig.version, mig.name)
                    cur.execute(mig.sql)
                    cur.execute(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (%(v)s, %(n)s, %(c)s)",
                        {"v": mig.version, "n": mig.name, "c": mig.checksum},
                    )
                    applied_now.append(f"{mig.version:04d}_{mig.name}")
                if up_to is None:  # the job queue's own tables, from the pinned library (issue 22)
                    from geo_service.db import queue_schema

                    applied_now.extend(f"queue: {name}" for name in queue_schema.apply(cur))
    finally:
        conn.close()
    return applied_now
