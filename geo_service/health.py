"""Health check: can we reach the database and PostGIS? (service layer, no Flask)."""

from __future__ import annotations

from geo_service.db.pool import Database
from geo_service.db.repositories import meta
from geo_service.errors import DatabaseUnavailable

HEALTH_STATEMENT_TIMEOUT_MS = 1000


def check(db: Database) -> dict:
    """Raises DatabaseUnavailable when the database cannot be reached, or its postmaster does not answer.

    The query runs on a pooled connection (dead ones are replaced first), so a database that is back after
    a restart is healthy at once; the postmaster probe notices a frozen server that would still serve the
    pooled connection's backend but could not open any new one.
    """
    with db.connection(statement_timeout_ms=HEALTH_STATEMENT_TIMEOUT_MS) as conn:
        version = meta.postgis_version(conn)
    if not db.server_answers():
        raise DatabaseUnavailable("The database does not accept new connections.")
    return {"status": "ok", "db": "ok", "postgis": version}
