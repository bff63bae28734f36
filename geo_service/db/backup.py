"""Backups: ``pg_dump`` in custom format and ``pg_restore`` back (issue 21 finding 16).

The custom format is compressed, holds the schema (PostGIS extension, migrations table, functions) and every
row, and is restored with ``pg_restore`` into an empty database or over the same one (``--clean``). The
password travels in ``PGPASSWORD``, never on the command line (where ``ps`` would show it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from psycopg2.extensions import make_dsn, parse_dsn

from geo_service.errors import GeoServiceError


class BackupFailed(GeoServiceError):
    status = 500
    title = "Backup or restore failed"


def _tool(name: str) -> str:
    from geo_service.db.postgres_tools import postgres_bindir

    try:
        candidate = postgres_bindir() / name
        if candidate.exists():
            return str(candidate)
    except Exception:  # noqa: BLE001 - no server binaries here: fall back to PATH
        pass
    found = shutil.which(name)
    if not found:
        raise BackupFailed(f"{name} not found: install the PostgreSQL client tools (postgresql-client).")
    return found


def _dsn_and_env(database_url: str) -> tuple[str, dict[str, str]]:
    params = parse_dsn(database_url)
    password = params.pop("password", None)
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = password
    return make_dsn(**params), env


def backup(database_url: str, path: Path) -> Path:
    """Write the whole database to ``path`` (pg_dump custom format). Returns the path."""
    dsn, env = _dsn_and_env(database_url)
    path = Path(path)
    tmp = path.with_name(path.name + ".partial")
    done = subprocess.run(
        [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={tmp}", f"--dbname={dsn}"],
        env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise BackupFailed(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    tmp.replace(path)  # a backup file is whole or absent
    return path


# Run before the restored SQL, in the same transaction: the database is replaced whole, or not at all.
_WIPE = b"DROP SCHEMA IF EXISTS public CASCADE;\nCREATE SCHEMA public;\n"


def restore(database_url: str, path: Path) -> None:
    """Replace everything the database holds with ``path`` (made by :func:`backup`), in ONE transaction:
    ``pg_restore`` writes the backup as SQL, ``psql --single-transaction`` runs it after dropping the public
    schema; any error rolls the whole restore back and the database is as it was."""
    path = Path(path)
    if not path.is_file():
        raise BackupFailed(f"No backup file '{path}'.")
    dsn, env = _dsn_and_env(database_url)
    reader = subprocess.Popen(
        [_tool("pg_restore"), "--no-owner", "--no-privileges", "--file=-", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env,
    )  # fmt: skip
    writer = subprocess.Popen(
        [_tool("psql"), "-X", "-q", "--single-transaction", "-v", "ON_ERROR_STOP=1", f"--dbname={dsn}"],
        stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        writer.stdin.write(_WIPE)
        while chunk := reader.stdout.read(1 << 20):
            writer.stdin.write(chunk)
    except BrokenPipeError:
        pass  # psql stopped on an error: reported below
    finally:
        writer.stdin.close()
    read_err = reader.stderr.read().decode(errors="replace")
    reader.wait()
    write_err = writer.stderr.read().decode(errors="replace")
    writer.wait()
    if reader.returncode != 0:
        raise BackupFailed(f"pg_restore could not read '{path}' (nothing was changed): {read_err.strip()[-500:]}")
    if writer.returncode != 0:
        raise BackupFailed(f"restore failed (nothing was changed): {write_err.strip()[-500:]}")
