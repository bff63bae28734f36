"""One transaction per import: importers accept a Database (they open and commit their own
transaction) or an open connection (the caller, e.g. the bundle importer, owns the transaction).

An import has no ``statement_timeout`` (a bundle takes minutes), so its backend must not outlive its client:
the pool's connections have ``client_connection_check_interval`` (the server ends a running statement within
a second of the client going away, e.g. ``kill -9`` of the importer) and TCP keepalives, and the import's
transaction has an ``idle_in_transaction_session_timeout``, so a client that hangs while holding the
import's locks (stopped, or stuck in a debugger) is cut off too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from geo_service.db.pool import Database
from geo_service.db.repositories import extracts
from geo_service.ingest.files import display_name, sha256_of

# Longest pause between two statements of an import (reading and parsing the next file) before the server
# ends the session and rolls the import back.
IMPORT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 300_000


@contextmanager
def import_transaction(target) -> Iterator:
    """Yield a connection: a new all-or-nothing transaction for a Database, or the given connection as is."""
    if isinstance(target, Database):
        with target.connection(statement_timeout_ms=0) as conn:
            with conn.cursor() as cur:  # this transaction only
                cur.execute(
                    "SELECT set_config('idle_in_transaction_session_timeout', %(ms)s, true)",
                    {"ms": str(IMPORT_IDLE_IN_TRANSACTION_TIMEOUT_MS)},
                )
            yield conn
    else:
        yield target


def record_file(conn, kind: str, path: str | Path, extract_date: date | None = None) -> int:
    """Provenance: the ``extracts`` row for this file (same name and content → same row)."""
    return extracts.record_extract(conn, kind, display_name(path), sha256_of(path), extract_date)
