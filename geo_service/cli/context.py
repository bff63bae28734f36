"""Settings and database handles for CLI commands (built on demand, never at import)."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

from geo_service.config import Settings, load_settings
from geo_service.db.pool import Database

if TYPE_CHECKING:
    from geo_service.access.service import Actor


def settings() -> Settings:
    return load_settings()


def database(s: Settings | None = None) -> Database:
    s = s or settings()
    return Database(s.database_url, minconn=1, maxconn=2, statement_timeout_ms=0)


def cli_actor() -> Actor:
    """Who ran the command, for the audit log (the CLI runs with database rights, so it acts as admin)."""
    from geo_service.access.service import Actor  # not at import: it hashes a dummy password (argon2) on load

    name = f"cli:{getpass.getuser()}"
    return Actor(None, name, name, frozenset({"admin"}), frozenset({"*"}), frozenset({"*"}), via="cli")
