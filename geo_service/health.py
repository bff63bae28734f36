"""Health check: can we reach the database and PostGIS? (service layer, no Flask)."""

from __future__ import annotations

from geo_service.db.pool import Database
from geo_service.db.repositories import meta


def check(db: Database) -> dict:
    """Raises DatabaseUnavailable when the database cannot be reached."""
    with db.connection(statement_timeout_ms=2000) as conn:
        return {"status": "ok", "db": "ok", "postgis": meta.postgis_version(conn)}
