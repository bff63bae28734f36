"""Settings and database handles for CLI commands (built on demand, never at import)."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import TYPE_CHECKING

from geo_service.config import PROJECT_ROOT, Settings, load_settings
from geo_service.db.pool import Database

if TYPE_CHECKING:
    from geo_service.access.service import Actor


def local_defaults() -> dict[str, str]:
    """The development default of ``DATABASE_URL``: the project-local cluster (``.pgdata/``, ``GEO_DB_PORT``)
    when the environment names no database. The cluster tooling is imported here only, so the web app (gunicorn,
    ``create_app``) never loads it."""
    if os.environ.get("DATABASE_URL"):
        return {}
    from geo_service.devtools.cluster import LocalCluster

    root = Path(os.environ.get("GEO_PROJECT_ROOT", PROJECT_ROOT))
    port = int(os.environ.get("GEO_DB_PORT", 5544))
    return {"DATABASE_URL": LocalCluster(root, port=port).database_url()}


def settings() -> Settings:
    return load_settings(local_defaults())


def database(s: Settings | None = None) -> Database:
    s = s or settings()
    return Database(s.database_url, statement_timeout_ms=0, maxconn=2)


def cli_actor() -> Actor:
    """Who ran the command, for the audit log (the CLI runs with database rights, so it acts as admin)."""
    from geo_service.access.service import Actor  # not at import: it hashes a dummy password (argon2) on load

    name = f"cli:{getpass.getuser()}"
    return Actor(None, name, name, frozenset({"admin"}), frozenset({"*"}), frozenset({"*"}), via="cli")
