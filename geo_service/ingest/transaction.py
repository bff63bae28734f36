"""One transaction per import: importers accept a Database (they open and commit their own
transaction) or an open connection (the caller, e.g. the bundle importer, owns the transaction).

An import has no ``statement_timeout`` (a bundle takes minutes), so its backend must not outlive its client:
the pool's connections have ``client_connection_check_interval`` (the server ends a running statement within
a second of the client going away, e.g. ``kill -9`` of the importer) and TCP keepalives, and the import's
transaction has an ``idle_in_transaction_session_timeout``, so a client that hangs while holding the
import's locks (stopped, or stuck in a debugger) is cut off too.

An import defers the kept scenario state (``defer_kept_state``): the statement triggers only note which scenarios
its writes made stale, and the state of each is refreshed once at the end of the outermost import (a bundle's steps
share one refresh), still inside its transaction, so the import stays all-or-nothing. Then the tables it changed
in bulk are analysed (``imports_staging.refresh_changed_statistics``), so the first reads after it are planned
for what it wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from psycopg2 import extensions

from geo_service.db.pool import Database
from geo_service.db.repositories import extracts, imports_staging, kept_state
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
            with defer_kept_state(conn):
                yield conn
    else:
        with defer_kept_state(target):
            yield target


@contextmanager
def defer_kept_state(conn) -> Iterator[None]:
    """Defer the kept scenario state while the block runs, and refresh it once when the block ends, unless an
    enclosing block defers it already (then that one refreshes). When the block raises, the state is refreshed
    all the same if the transaction can still go on (a caller that catches the error and commits what came before
    must not commit stale kept state); an aborted transaction only rolls back."""
    if kept_state.deferred(conn):
        yield
        return
    kept_state.defer(conn)
    try:
        yield
    except BaseException:
        if conn.info.transaction_status == extensions.TRANSACTION_STATUS_INTRANS:
            kept_state.flush(conn)
        raise
    kept_state.flush(conn)
    imports_staging.refresh_changed_statistics(conn)


def record_file(conn, kind: str, path: str | Path, extract_date: date | None = None) -> int:
    """Provenance: the ``extracts`` row for this file (same name and content → same row)."""
    return extracts.record_extract(conn, kind, display_name(path), sha256_of(path), extract_date)
