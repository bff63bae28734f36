"""Settings and database handles for CLI commands (built on demand, never at import)."""

from __future__ import annotations

from geo_service.config import Settings, load_settings
from geo_service.db.pool import Database


def settings() -> Settings:
    return load_settings()


def database(s: Settings | None = None) -> Database:
    s = s or settings()
    return Database(s.database_url, minconn=1, maxconn=2, statement_timeout_ms=0)
